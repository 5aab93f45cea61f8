package audit

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Finding is one failed check.
type Finding struct {
	Check  string // exactly-once, traits, audiences, output
	UserID string
	Detail string
}

// Report is the audit's result.
type Report struct {
	Config         GenConfig
	Prefix         bool // a running job's output, checked by CheckPrefix
	Files          int
	SkippedFiles   int
	Snapshots      int
	Changes        int
	Users          int
	EventsExpected int64
	EventsCounted  int64
	LateEvents     int64
	HistoryChecked int // users whose enter/exit history was compared event by event
	Findings       []Finding
}

// OK reports whether every check passed.
func (r *Report) OK() bool { return len(r.Findings) == 0 }

func (r *Report) fail(check, user, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{Check: check, UserID: user, Detail: fmt.Sprintf(format, args...)})
}

// Check compares the job's committed output with the offline reference.
func Check(c GenConfig, rules []Rule, out *Output) *Report {
	ref := Reference(c, rules)
	rep := &Report{
		Config: c, Files: len(out.Files), SkippedFiles: len(out.Skipped),
		Snapshots: len(out.Snapshots), Changes: len(out.Changes),
		Users: len(ref), EventsExpected: c.Events,
	}

	if len(out.Files) == 0 {
		rep.fail("output", "-", "no committed part files: is the job still running before its first checkpoint, or is the output directory wrong?")
	}

	// Each user's final snapshot is the one with the highest count; two snapshots with the same
	// count mean the sink wrote a record twice.
	final := map[string]Snapshot{}
	seenSnap := map[string]map[int64]bool{}
	for _, s := range out.Snapshots {
		if seenSnap[s.UserID] == nil {
			seenSnap[s.UserID] = map[int64]bool{}
		}
		if seenSnap[s.UserID][s.Count] {
			rep.fail("exactly-once", s.UserID, "snapshot at count %d written twice (duplicated output)", s.Count)
		}
		seenSnap[s.UserID][s.Count] = true
		if f, ok := final[s.UserID]; !ok || s.Count > f.Count {
			final[s.UserID] = s
		}
	}

	changes := map[string][]Change{}
	for _, ch := range out.Changes {
		changes[ch.UserID] = append(changes[ch.UserID], ch)
	}

	for _, user := range sortedKeys(final) {
		if ref[user] == nil {
			rep.fail("exactly-once", user, "user is in the output but the generator never produced it")
		}
	}
	for _, user := range sortedKeys(changes) {
		if ref[user] == nil {
			rep.fail("audiences", user, "audience changes for a user the generator never produced")
		}
	}

	for _, user := range sortedKeys(ref) {
		r := ref[user]
		s, ok := final[user]
		if !ok {
			rep.fail("exactly-once", user, "no committed snapshot: all %d events of this user are missing", r.Traits.Count)
			continue
		}
		rep.EventsCounted += s.Count
		rep.LateEvents += s.Late
		checkCounted(rep, user, r.Traits, s)
		checkTraits(rep, user, r.Traits, s)
		checkAudiences(rep, user, r, s, changes[user])
	}
	return rep
}

func checkCounted(rep *Report, user string, t *Traits, s Snapshot) {
	fp := fmt.Sprintf("%016x", t.Fingerprint)
	switch {
	case s.Count < t.Count:
		rep.fail("exactly-once", user, "counted %d of %d events: %d missing", s.Count, t.Count, t.Count-s.Count)
	case s.Count > t.Count:
		rep.fail("exactly-once", user, "counted %d events but %d were generated: %d counted twice", s.Count, t.Count, s.Count-t.Count)
	case s.Fingerprint != fp:
		rep.fail("exactly-once", user, "count is right (%d) but the set of sequence numbers differs (fingerprint %s, want %s): some event counted twice and another missed", s.Count, s.Fingerprint, fp)
	}
	if s.MaxSeq != t.MaxSeq {
		rep.fail("exactly-once", user, "highest counted seq %d, want %d", s.MaxSeq, t.MaxSeq)
	}
}

func checkTraits(rep *Report, user string, t *Traits, s Snapshot) {
	if s.FirstTs != t.FirstTs || s.LastTs != t.LastTs {
		rep.fail("traits", user, "first/last timestamps %d/%d, want %d/%d", s.FirstTs, s.LastTs, t.FirstTs, t.LastTs)
	}
	diffMap(rep, user, "counts", s.Counts, t.Totals)
	diffMap(rep, user, "counts7d", s.Counts7d, t.WindowCounts(7))
	diffMap(rep, user, "counts30d", s.Counts30d, t.WindowCounts(30))
	diffMap(rep, user, "props", s.Props, t.Props())
}

func checkAudiences(rep *Report, user string, r *RefUser, s Snapshot, got []Change) {
	want := r.Traits.AudienceList()
	have := slices.Clone(s.Audiences)
	sort.Strings(have)
	if !slices.Equal(have, want) {
		rep.fail("audiences", user, "final audiences %v, want %v", have, want)
	}

	sort.SliceStable(got, func(i, j int) bool {
		if got[i].Audience != got[j].Audience {
			return got[i].Audience < got[j].Audience
		}
		return got[i].Count < got[j].Count
	})
	// Consistency: per audience, changes alternate enter/exit starting with enter, occur at
	// distinct counts, and end in the snapshot's membership.
	member := map[string]bool{}
	for i, ch := range got {
		if i > 0 && got[i-1].Audience == ch.Audience && got[i-1].Count == ch.Count {
			rep.fail("exactly-once", user, "audience %s change at count %d written twice (duplicated output)", ch.Audience, ch.Count)
			continue
		}
		enter := ch.Change == "enter"
		if ch.Change != "enter" && ch.Change != "exit" {
			rep.fail("audiences", user, "audience %s change %q is neither enter nor exit", ch.Audience, ch.Change)
			continue
		}
		if member[ch.Audience] == enter {
			rep.fail("audiences", user, "audience %s: %s at count %d while already %s", ch.Audience, ch.Change, ch.Count, map[bool]string{true: "in", false: "out"}[enter])
		}
		member[ch.Audience] = enter
	}
	for _, a := range s.Audiences {
		if !member[a] {
			rep.fail("audiences", user, "snapshot says in %s but no enter change was committed", a)
		}
		delete(member, a)
	}
	for a, in := range member {
		if in {
			rep.fail("audiences", user, "last committed change entered %s but the final snapshot is not in it", a)
		}
	}

	// Exact history: the job applies events in (ts, seq) order, so unless some events arrived
	// behind the watermark (only after a rescale) the history must equal the reference's.
	if s.Late > 0 {
		return
	}
	rep.HistoryChecked++
	wantCh := slices.Clone(r.Changes)
	sort.SliceStable(wantCh, func(i, j int) bool {
		if wantCh[i].Audience != wantCh[j].Audience {
			return wantCh[i].Audience < wantCh[j].Audience
		}
		return wantCh[i].Count < wantCh[j].Count
	})
	if !slices.Equal(got, wantCh) {
		rep.fail("audiences", user, "enter/exit history differs from the reference: %s", firstChangeDiff(got, wantCh))
	}
}

func firstChangeDiff(got, want []Change) string {
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("missing %s", fmtChange(want[i]))
		case i >= len(want):
			return fmt.Sprintf("unexpected %s", fmtChange(got[i]))
		case got[i] != want[i]:
			return fmt.Sprintf("got %s, want %s", fmtChange(got[i]), fmtChange(want[i]))
		}
	}
	return "none"
}

func fmtChange(c Change) string {
	return fmt.Sprintf("%s %s at count %d (seq %d)", c.Change, c.Audience, c.Count, c.Seq)
}

func diffMap[V comparable](rep *Report, user, what string, got, want map[string]V) {
	var diffs []string
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			diffs = append(diffs, fmt.Sprintf("%q missing (want %v)", k, w))
		case !wok:
			diffs = append(diffs, fmt.Sprintf("%q=%v unexpected", k, g))
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%q=%v, want %v", k, g, w))
		}
	}
	if len(diffs) > 0 {
		rep.fail("traits", user, "%s: %s", what, strings.Join(diffs, "; "))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
