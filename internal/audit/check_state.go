package audit

// CheckState audits traits read from a running job's state (queryable state, for example),
// one per user: each must be the reference traits after that user's first `count` events,
// as every committed snapshot must (CheckPrefix). A user without state (count 0) is a
// finding: the caller asks only for users the job has seen.
func CheckState(c GenConfig, rules []Rule, state []Snapshot) *Report {
	rep := &Report{Config: c, Prefix: true, Snapshots: len(state), EventsExpected: c.Events}
	snaps := map[string]map[int64]Snapshot{}
	for _, s := range state {
		if s.Count <= 0 {
			rep.fail("traits", s.UserID, "no state for this user in the running job")
			continue
		}
		if snaps[s.UserID] == nil {
			snaps[s.UserID] = map[int64]Snapshot{}
		}
		snaps[s.UserID][s.Count] = s
		rep.EventsCounted += s.Count
	}
	rep.Users = len(snaps)
	ref := compareAtCounts(rep, c, rules, snaps)
	for user, byCount := range snaps {
		for n := range byCount {
			if r := ref[user]; r == nil || n > r.Traits.Count {
				rep.fail("exactly-once", user, "state counts %d events but the generator produced fewer for this user", n)
			}
		}
	}
	return rep
}
