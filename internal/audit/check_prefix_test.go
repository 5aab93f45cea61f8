package audit

import "testing"

// upTo is a run that has so far applied the events before seq n, each times(seq) times.
func upTo(n int64, times func(int64) int) func(int64) int {
	return func(seq int64) int {
		if seq >= n {
			return 0
		}
		return times(seq)
	}
}

func TestCheckPrefixPassesARunningJobsOutput(t *testing.T) {
	for _, n := range []int64{1, 777, 8_000, testCfg.Events} {
		out := simulate(t, upTo(n, once))
		if rep := CheckPrefix(testCfg, testRules(t), out); !rep.OK() {
			t.Fatalf("prefix of %d events: %+v", n, rep.Findings)
		} else if rep.HistoryChecked != rep.Users || rep.Users == 0 {
			t.Errorf("prefix of %d events: history checked for %d of %d users", n, rep.HistoryChecked, rep.Users)
		}
	}
	// The full check would call the same output incomplete.
	if rep := Check(testCfg, testRules(t), simulate(t, upTo(8_000, once))); rep.OK() {
		t.Error("Check passed a partial run")
	}
}

func TestCheckPrefixCatchesLostAndDuplicatedEvents(t *testing.T) {
	for name, times := range map[string]func(int64) int{
		"duplicated": func(seq int64) int { return map[bool]int{true: 2, false: 1}[seq == 1234] },
		"lost":       func(seq int64) int { return map[bool]int{true: 0, false: 1}[seq == 1234] },
	} {
		rep := CheckPrefix(testCfg, testRules(t), simulate(t, upTo(9_000, times)))
		if len(findings(rep, "exactly-once")) == 0 {
			t.Errorf("%s event not caught: %+v", name, rep.Findings)
		}
	}
}

func TestCheckPrefixCatchesAGapInTheCommittedHistory(t *testing.T) {
	out := simulate(t, upTo(9_000, once))
	if len(out.Changes) < 3 {
		t.Fatal("too few changes to drop one")
	}
	out.Changes = append(out.Changes[:1], out.Changes[2:]...)
	if rep := CheckPrefix(testCfg, testRules(t), out); len(findings(rep, "audiences")) == 0 {
		t.Errorf("a change missing from the committed history was not caught: %+v", rep.Findings)
	}
}

func TestCheckPrefixCatchesDuplicatedRecords(t *testing.T) {
	out := simulate(t, upTo(9_000, once))
	out.Snapshots = append(out.Snapshots, out.Snapshots[0])
	out.Changes = append(out.Changes, out.Changes[0])
	rep := CheckPrefix(testCfg, testRules(t), out)
	if len(findings(rep, "exactly-once")) == 0 || len(findings(rep, "audiences")) == 0 {
		t.Errorf("duplicated snapshot and change not both caught: %+v", rep.Findings)
	}
}
