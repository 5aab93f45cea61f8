package audit

import (
	"slices"
	"sort"
)

// CheckPrefix audits the committed output of a job that is still running. What a checkpoint
// has committed so far must be exactly what an exactly-once run produces up to some point:
// every snapshot equals the reference traits after that user's first `count` events (events
// are applied in seq order), no record is committed twice, and each user's committed
// audience changes are the reference history up to the furthest point its output reached.
// Check is the stronger test once the input has ended; this one can run after every step
// of a scenario while events still flow.
func CheckPrefix(c GenConfig, rules []Rule, out *Output) *Report {
	rep := &Report{
		Config: c, Prefix: true, Files: len(out.Files), SkippedFiles: len(out.Skipped),
		Snapshots: len(out.Snapshots), Changes: len(out.Changes), EventsExpected: c.Events,
	}
	snaps := map[string]map[int64]Snapshot{}
	reached := map[string]int64{} // per user, the highest count its committed output shows
	late := map[string]bool{}
	for _, s := range out.Snapshots {
		if snaps[s.UserID] == nil {
			snaps[s.UserID] = map[int64]Snapshot{}
		}
		if _, dup := snaps[s.UserID][s.Count]; dup {
			rep.fail("exactly-once", s.UserID, "snapshot at count %d written twice (duplicated output)", s.Count)
		}
		snaps[s.UserID][s.Count] = s
		reached[s.UserID] = max(reached[s.UserID], s.Count)
		late[s.UserID] = late[s.UserID] || s.Late > 0
	}
	changes := map[string][]Change{}
	for _, ch := range out.Changes {
		changes[ch.UserID] = append(changes[ch.UserID], ch)
		reached[ch.UserID] = max(reached[ch.UserID], ch.Count)
	}

	ref := compareAtCounts(rep, c, rules, snaps)
	rep.Users = len(reached)
	for _, user := range sortedKeys(reached) {
		r := ref[user]
		if r == nil {
			rep.fail("exactly-once", user, "user is in the output but the generator never produced it")
			continue
		}
		if reached[user] > r.Traits.Count {
			rep.fail("exactly-once", user, "output reaches count %d but only %d events were generated for this user", reached[user], r.Traits.Count)
		}
		if s, ok := snaps[user][reached[user]]; ok {
			rep.EventsCounted += s.Count
			rep.LateEvents += s.Late
		}
		if late[user] {
			continue
		}
		rep.HistoryChecked++
		got := sortChanges(slices.Clone(changes[user]))
		var want []Change
		for _, ch := range r.Changes {
			if ch.Count <= reached[user] {
				want = append(want, ch)
			}
		}
		if want = sortChanges(want); !slices.Equal(got, want) {
			rep.fail("audiences", user, "committed enter/exit history up to count %d differs from the reference: %s", reached[user], firstChangeDiff(got, want))
		}
	}
	return rep
}

// sortChanges orders changes by audience, then count, the order the checks compare in.
func sortChanges(cs []Change) []Change {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Audience != cs[j].Audience {
			return cs[i].Audience < cs[j].Audience
		}
		return cs[i].Count < cs[j].Count
	})
	return cs
}

// compareAtCounts replays the input and compares each snapshot with the reference traits
// when its user reaches the snapshot's count: a running job's state after a user's first
// `count` events (applied in seq order) is exactly the reference at that count. It returns
// the reference after the whole input.
func compareAtCounts(rep *Report, c GenConfig, rules []Rule, snaps map[string]map[int64]Snapshot) map[string]*RefUser {
	ref := map[string]*RefUser{}
	for seq := int64(0); seq < c.Events; seq++ {
		e := Generate(c, seq)
		u := referenceStep(ref, rules, e)
		s, ok := snaps[e.UserID][u.Traits.Count]
		if !ok {
			continue
		}
		checkCounted(rep, e.UserID, u.Traits, s)
		checkTraits(rep, e.UserID, u.Traits, s)
		have := slices.Clone(s.Audiences)
		sort.Strings(have)
		if want := u.Traits.AudienceList(); !slices.Equal(have, want) {
			rep.fail("audiences", e.UserID, "audiences at count %d are %v, want %v", s.Count, have, want)
		}
	}
	return ref
}
