package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"weir.dev/weir/internal/audit"
)

// writeJobOutput renders the output the job would commit for c, by replaying the reference.
func writeJobOutput(t *testing.T, dir string, c audit.GenConfig, corrupt bool) {
	t.Helper()
	rules, err := audit.ParseRules(audit.DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for user, r := range audit.Reference(c, rules) {
		tr := r.Traits
		count := tr.Count
		if corrupt && user == "u1" {
			count++ // one event counted twice
		}
		b.WriteString(`{"kind":"snapshot","userId":"` + user + `","count":` + itoa(count) +
			`,"fingerprint":"` + hex16(tr.Fingerprint) + `","maxSeq":` + itoa(tr.MaxSeq) +
			`,"firstTs":` + itoa(tr.FirstTs) + `,"lastTs":` + itoa(tr.LastTs) + `,"late":0,"counts":` +
			jsonInts(tr.Totals) + `,"counts7d":` + jsonInts(tr.WindowCounts(7)) + `,"counts30d":` +
			jsonInts(tr.WindowCounts(30)) + `,"props":` + jsonStrs(tr.Props()) + `,"audiences":[` + quoteList(tr.AudienceList()) + "]}\n")
		for _, ch := range r.Changes {
			b.WriteString(`{"kind":"change","userId":"` + ch.UserID + `","audience":"` + ch.Audience + `","change":"` +
				ch.Change + `","count":` + itoa(ch.Count) + `,"seq":` + itoa(ch.Seq) + `,"ts":` + itoa(ch.Ts) + "}\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "part-1-0.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunExitCodes(t *testing.T) {
	c := audit.GenConfig{Seed: 3, Events: 3000, Users: 20, SpacingMs: 60_000, BaseTs: 1_767_225_600_000}
	args := func(dir string) []string {
		return []string{"--output", dir, "--seed", "3", "--events", "3000", "--users", "20", "--spacing-ms", "60000"}
	}

	good := t.TempDir()
	writeJobOutput(t, good, c, false)
	var out, errOut bytes.Buffer
	if code := run(args(good), &out, &errOut); code != 0 {
		t.Fatalf("exit %d on correct output:\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "audit passed") {
		t.Fatalf("report lacks the verdict:\n%s", out.String())
	}

	bad := t.TempDir()
	writeJobOutput(t, bad, c, true)
	out.Reset()
	if code := run(args(bad), &out, &errOut); code != 1 {
		t.Fatalf("exit %d on a double-counted event, want 1:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "FAIL exactly-once") || !strings.Contains(out.String(), "u1: counted") {
		t.Fatalf("report does not name the failure:\n%s", out.String())
	}

	// Output of the full run is also a valid prefix; the running check still catches the double count.
	out.Reset()
	if code := run(append(args(good), "--running"), &out, &errOut); code != 0 || !strings.Contains(out.String(), "running job") {
		t.Fatalf("--running on correct output: exit %d\n%s", code, out.String())
	}
	if code := run(append(args(bad), "--running"), &out, &errOut); code != 1 {
		t.Fatalf("--running on a double-counted event: exit %d, want 1", code)
	}

	errOut.Reset()
	if code := run([]string{"--events", "10"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--output DIR is required") {
		t.Fatalf("missing --output: exit %d, stderr %q", code, errOut.String())
	}
	if code := run([]string{"--output", good, "--rules", "x: nonsense"}, &out, &errOut); code != 2 {
		t.Fatalf("bad rules: exit %d, want 2", code)
	}
}
