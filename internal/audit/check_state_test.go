package audit

import "testing"

// latest is each user's last snapshot of a simulated run: what its state holds then.
func latest(out *Output) []Snapshot {
	last := map[string]Snapshot{}
	for _, s := range out.Snapshots {
		if s.Count > last[s.UserID].Count {
			last[s.UserID] = s
		}
	}
	var state []Snapshot
	for _, u := range sortedKeys(last) {
		state = append(state, last[u])
	}
	return state
}

func TestCheckStatePassesARunningJobsState(t *testing.T) {
	state := latest(simulate(t, upTo(8_000, once)))
	if len(state) == 0 {
		t.Fatal("no state to check")
	}
	if rep := CheckState(testCfg, testRules(t), state); !rep.OK() || rep.Users != len(state) {
		t.Fatalf("users %d of %d, findings %+v", rep.Users, len(state), rep.Findings)
	}
}

func TestCheckStateCatchesWrongTraits(t *testing.T) {
	for name, c := range map[string]struct {
		mutate func(*Snapshot)
		check  string
	}{
		"a count off by one":    {func(s *Snapshot) { s.Count++; s.MaxSeq = -1 }, "exactly-once"},
		"a wrong fingerprint":   {func(s *Snapshot) { s.Fingerprint = "0000000000000000" }, "exactly-once"},
		"a trait counted twice": {func(s *Snapshot) { s.Counts = map[string]int64{"nope": 1} }, "traits"},
		"an audience missing":   {func(s *Snapshot) { s.Audiences = nil }, "audiences"},
		"no state":              {func(s *Snapshot) { *s = Snapshot{UserID: s.UserID} }, "traits"},
	} {
		state := latest(simulate(t, upTo(8_000, once)))
		// A user in at least one audience, so that dropping its audiences is wrong.
		i := 0
		for i < len(state)-1 && len(state[i].Audiences) == 0 {
			i++
		}
		c.mutate(&state[i])
		if rep := CheckState(testCfg, testRules(t), state); len(findings(rep, c.check)) == 0 {
			t.Errorf("%s: not caught as %s: %+v", name, c.check, rep.Findings)
		}
	}
}
