package demo

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestStaleRefs(t *testing.T) {
	stamps := map[string]string{"a:1": "x-111.tar", "b:1": "x-222.tar"}
	if got := StaleRefs(stamps, []string{"a:1"}, "/cache/images/x-111.tar"); len(got) != 0 {
		t.Errorf("same archive reported stale: %v", got)
	}
	if got := StaleRefs(stamps, []string{"a:1", "b:1"}, "/cache/images/x-111.tar"); len(got) != 1 || got[0] != "b:1" {
		t.Errorf("StaleRefs = %v, want [b:1]", got)
	}
	if got := StaleRefs(nil, []string{"c:1"}, "/c.tar"); len(got) != 1 {
		t.Errorf("never imported should be stale: %v", got)
	}
}

func TestIndentPrefixesEveryLine(t *testing.T) {
	var b bytes.Buffer
	w := newIndent(&b)
	for _, s := range []string{"one\ntw", "o\n", "three\nfour\n"} {
		if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if want := "  one\n  two\n  three\n  four\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestStepReportsFailureAndNote(t *testing.T) {
	var b bytes.Buffer
	r := &Runner{Out: &b}
	if err := r.Step("good", func() (string, error) { return "note", nil }); err != nil {
		t.Fatal(err)
	}
	err := r.Step("bad", func() (string, error) { return "", errors.New("boom") })
	if err == nil || err.Error() != "bad: boom" {
		t.Errorf("err = %v", err)
	}
	out := b.String()
	for _, want := range []string{"==> good\n", "<== good done in", "[total", "]: note\n", "<== bad FAILED after"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
