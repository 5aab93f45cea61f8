package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testCfg = GenConfig{Seed: 7, Events: 20_000, Users: 200, SpacingMs: 60_000, BaseTs: 1_767_225_600_000}

func testRules(t *testing.T) []Rule {
	t.Helper()
	r, err := ParseRules(DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// simulate plays the job's logic in Go, applying event seq times(seq) times (0 = lost,
// 2 = duplicated), and renders the records the job would have committed: a snapshot after
// every 50th event of a user and at the end, plus every audience change.
func simulate(t *testing.T, times func(seq int64) int) *Output {
	t.Helper()
	rules := testRules(t)
	out := &Output{Files: []string{"simulated"}}
	users := map[string]*Traits{}
	for seq := int64(0); seq < testCfg.Events; seq++ {
		e := Generate(testCfg, seq)
		for n := 0; n < times(seq); n++ {
			tr := users[e.UserID]
			if tr == nil {
				tr = NewTraits()
				users[e.UserID] = tr
			}
			tr.Apply(e)
			for _, r := range rules {
				now := r.Matches(tr)
				if now == tr.Audiences[r.Name] {
					continue
				}
				tr.Audiences[r.Name] = now
				kind := map[bool]string{true: "enter", false: "exit"}[now]
				out.Changes = append(out.Changes, Change{UserID: e.UserID, Audience: r.Name, Change: kind, Count: tr.Count, Seq: e.Seq, Ts: e.Ts})
			}
			if tr.Count%50 == 0 {
				out.Snapshots = append(out.Snapshots, snapshotOf(e.UserID, tr))
			}
		}
	}
	for id, tr := range users {
		if tr.Count%50 != 0 {
			out.Snapshots = append(out.Snapshots, snapshotOf(id, tr))
		}
	}
	return out
}

func snapshotOf(user string, t *Traits) Snapshot {
	totals := map[string]int64{}
	for k, v := range t.Totals {
		totals[k] = v
	}
	return Snapshot{
		UserID: user, Count: t.Count, Fingerprint: fmt.Sprintf("%016x", t.Fingerprint), MaxSeq: t.MaxSeq,
		FirstTs: t.FirstTs, LastTs: t.LastTs, Counts: totals, Counts7d: t.WindowCounts(7),
		Counts30d: t.WindowCounts(30), Props: t.Props(), Audiences: t.AudienceList(),
	}
}

func once(int64) int { return 1 }

func findings(rep *Report, check string) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Check == check {
			out = append(out, f.UserID+": "+f.Detail)
		}
	}
	return out
}

func requireFinding(t *testing.T, rep *Report, check, substr string) {
	t.Helper()
	for _, f := range findings(rep, check) {
		if strings.Contains(f, substr) {
			return
		}
	}
	var b strings.Builder
	rep.Write(&b)
	t.Fatalf("audit did not report %s %q; report:\n%s", check, substr, b.String())
}

func TestCheckPassesExactOutput(t *testing.T) {
	rep := Check(testCfg, testRules(t), simulate(t, once))
	if !rep.OK() {
		var b strings.Builder
		rep.Write(&b)
		t.Fatalf("exact output failed the audit:\n%s", b.String())
	}
	if rep.EventsCounted != testCfg.Events || rep.HistoryChecked != rep.Users || rep.Changes == 0 {
		t.Fatalf("counted %d events, history of %d/%d users, %d changes", rep.EventsCounted, rep.HistoryChecked, rep.Users, rep.Changes)
	}
}

func TestCheckCatchesDuplicatedEvent(t *testing.T) {
	rep := Check(testCfg, testRules(t), simulate(t, func(seq int64) int {
		if seq == 12_345 {
			return 2
		}
		return 1
	}))
	requireFinding(t, rep, "exactly-once", "counted twice")
}

func TestCheckCatchesMissingEvent(t *testing.T) {
	rep := Check(testCfg, testRules(t), simulate(t, func(seq int64) int {
		if seq == 777 {
			return 0
		}
		return 1
	}))
	requireFinding(t, rep, "exactly-once", "1 missing")
}

func TestCheckCatchesOneLostAndAnotherDuplicated(t *testing.T) {
	// Two events of the same user: one lost, one counted twice. The count is right; only the
	// fingerprint of the seq set can tell.
	user := Generate(testCfg, 100).UserID
	other := int64(-1)
	for s := int64(101); s < testCfg.Events; s++ {
		if Generate(testCfg, s).UserID == user {
			other = s
			break
		}
	}
	rep := Check(testCfg, testRules(t), simulate(t, func(seq int64) int {
		switch seq {
		case 100:
			return 0
		case other:
			return 2
		}
		return 1
	}))
	requireFinding(t, rep, "exactly-once", "set of sequence numbers differs")
}

func TestCheckCatchesWrongTrait(t *testing.T) {
	out := simulate(t, once)
	last := &out.Snapshots[len(out.Snapshots)-1]
	last.Props["plan"] = "platinum"
	last.Counts7d["Page Viewed"]++
	rep := Check(testCfg, testRules(t), out)
	requireFinding(t, rep, "traits", `"plan"=platinum`)
	requireFinding(t, rep, "traits", "counts7d")
}

func TestCheckCatchesDuplicatedOutputRecords(t *testing.T) {
	out := simulate(t, once)
	out.Snapshots = append(out.Snapshots, out.Snapshots[3])
	out.Changes = append(out.Changes, out.Changes[5])
	rep := Check(testCfg, testRules(t), out)
	requireFinding(t, rep, "exactly-once", "written twice")
	requireFinding(t, rep, "exactly-once", fmt.Sprintf("audience %s change at count %d written twice", out.Changes[5].Audience, out.Changes[5].Count))
}

func TestCheckCatchesWrongAudiences(t *testing.T) {
	out := simulate(t, once)
	// Drop one committed change: the history no longer matches the reference.
	dropped := out.Changes[10]
	out.Changes = append(out.Changes[:10], out.Changes[11:]...)
	rep := Check(testCfg, testRules(t), out)
	requireFinding(t, rep, "audiences", "history differs")
	if len(findings(rep, "audiences")) == 0 || !strings.Contains(strings.Join(findings(rep, "audiences"), "\n"), dropped.UserID) {
		t.Fatalf("finding does not name user %s", dropped.UserID)
	}

	// A final snapshot claiming an audience the rules do not give.
	out = simulate(t, once)
	last := &out.Snapshots[len(out.Snapshots)-1]
	last.Audiences = append(last.Audiences, "pro_buyers_bogus")
	requireFinding(t, Check(testCfg, testRules(t), out), "audiences", "final audiences")
}

func TestCheckCatchesMissingUserAndNoOutput(t *testing.T) {
	out := simulate(t, once)
	gone := out.Snapshots[0].UserID
	var kept []Snapshot
	for _, s := range out.Snapshots {
		if s.UserID != gone {
			kept = append(kept, s)
		}
	}
	out.Snapshots = kept
	requireFinding(t, Check(testCfg, testRules(t), out), "exactly-once", "no committed snapshot")

	requireFinding(t, Check(testCfg, testRules(t), &Output{}), "output", "no committed part files")
}

// writeOutput renders records as JSON lines in a FileSink-like directory.
func writeOutput(t *testing.T, dir, name string, out *Output) {
	t.Helper()
	var b strings.Builder
	for _, s := range out.Snapshots {
		r := map[string]any{"kind": "snapshot"}
		raw, _ := json.Marshal(s)
		_ = json.Unmarshal(raw, &r)
		r["kind"] = "snapshot"
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	for _, c := range out.Changes {
		r := map[string]any{}
		raw, _ := json.Marshal(c)
		_ = json.Unmarshal(raw, &r)
		r["kind"] = "change"
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadOutputReadsOnlyCommittedFiles(t *testing.T) {
	dir := t.TempDir()
	out := simulate(t, once)
	writeOutput(t, dir, "part-0a-0.jsonl", out)
	// What a crash leaves behind: an in-progress file whose records replay re-emits later.
	writeOutput(t, dir, ".part-0a-1.jsonl.inprogress.5f3c", &Output{Snapshots: out.Snapshots[:20], Changes: out.Changes[:20]})
	got, err := ReadOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || len(got.Skipped) != 1 {
		t.Fatalf("files %v skipped %v, want 1 committed and 1 in-progress", got.Files, got.Skipped)
	}
	if rep := Check(testCfg, testRules(t), got); !rep.OK() {
		var b strings.Builder
		rep.Write(&b)
		t.Fatalf("audit of committed files failed:\n%s", b.String())
	}

	// The same duplicate records in a committed file must fail.
	writeOutput(t, dir, "part-0a-2.jsonl", &Output{Snapshots: out.Snapshots[:20]})
	got, err = ReadOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	requireFinding(t, Check(testCfg, testRules(t), got), "exactly-once", "written twice")
}

func TestReadOutputRejectsForeignData(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "part-x"), []byte("{\"kind\":\"snapshot\"}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadOutput(dir)
	if err == nil || !strings.Contains(err.Error(), "part-x:2") {
		t.Fatalf("err = %v, want it to point at part-x:2", err)
	}
	if _, err := ReadOutput(filepath.Join(dir, "absent")); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, bad := range []string{"", "x count(\"a\") > 1", "x: count_9d(\"a\") > 1", "x: prop(\"p\") > \"v\"", "x: count(\"a\") > 1 OR count(\"b\") > 1", "x: count(\"a\") > 1; x: count(\"b\") > 1"} {
		if _, err := ParseRules(bad); err == nil {
			t.Errorf("ParseRules(%q) accepted", bad)
		}
	}
	r, err := ParseRules("a: count(\"X\") != 0 and prop(\"k\") != \"v\"; # comment\nb: count_30d(\"Y\") < 2")
	if err != nil || len(r) != 2 || len(r[0].Conds) != 2 || r[1].Conds[0].Num != 2 {
		t.Fatalf("rules %+v, err %v", r, err)
	}
}
