package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A failed subtest's reason ends the output, not the parent's log dump after it; the
// parent and the package, which fail because of it, are not listed again.
func TestSummaryShowsTheFailedSubtestsReason(t *testing.T) {
	stream := `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestSuite"}
{"Action":"output","Package":"p","Test":"TestSuite","Output":"=== RUN   TestSuite\n"}
{"Action":"output","Package":"p","Test":"TestSuite/a","Output":"    x_test.go:10: waiting\n"}
{"Action":"output","Package":"p","Test":"TestSuite/a","Output":"    x_test.go:12: job state RESTARTING, want RUNNING\n"}
{"Action":"output","Package":"p","Test":"TestSuite/a","Output":"--- FAIL: TestSuite/a (51.35s)\n"}
{"Action":"fail","Package":"p","Test":"TestSuite/a","Elapsed":51.35}
{"Action":"output","Package":"p","Test":"TestSuite","Output":"    x_test.go:40: operator log after a failed: ...\n"}
{"Action":"output","Package":"p","Test":"TestSuite/b","Output":"    x_test.go:20: fine\n"}
{"Action":"pass","Package":"p","Test":"TestSuite/b","Elapsed":3}
{"Action":"fail","Package":"p","Test":"TestSuite","Elapsed":60}
{"Action":"output","Package":"p","Output":"FAIL\n"}
{"Action":"fail","Package":"p","Elapsed":61}
`
	got := summarize(t, strings.NewReader(stream))
	for _, want := range []string{
		"=== RUN   TestSuite\n", "x_test.go:20: fine\n", // the output as it came
		"=== 1 failed",
		"--- FAIL: p TestSuite/a (51.35s)\n    x_test.go:10: waiting\n    x_test.go:12: job state RESTARTING, want RUNNING\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--- FAIL: p TestSuite (") || strings.Contains(got, "--- FAIL: p (") {
		t.Errorf("the parent or the package is listed though its subtest is:\n%s", got)
	}
}

// A package that fails to build, or a test that fails on its own, is listed with its lines;
// a passing run prints no summary; a non-JSON line passes through.
func TestSummaryOfBuildFailureAndPass(t *testing.T) {
	stream := `no Go files in /x
{"ImportPath":"q [q.test]","Action":"build-output","Output":"q/q_test.go:3:1: undefined: nope\n"}
{"ImportPath":"q [q.test]","Action":"build-fail"}
{"Action":"run","Package":"r","Test":"TestR"}
{"Action":"pass","Package":"r","Test":"TestR","Elapsed":0.1}
`
	got := summarize(t, strings.NewReader(stream))
	if !strings.HasPrefix(got, "no Go files in /x\n") || !strings.Contains(got, "--- FAIL: q [q.test] (0.00s)\nq/q_test.go:3:1: undefined: nope\n") {
		t.Errorf("got:\n%s", got)
	}

	if got := summarize(t, strings.NewReader(`{"Action":"pass","Package":"r","Test":"TestR"}`+"\n")); strings.Contains(got, "failed") {
		t.Errorf("a passing run printed a summary:\n%s", got)
	}
}

// The real go test -json of a package with a failing subtest, as the Makefile pipes it.
func TestSummaryOfRealGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs a test package")
	}
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/x\n\ngo 1.24\n")
	write("x_test.go", `package x

import "testing"

func TestSuite(t *testing.T) {
	t.Run("a", func(t *testing.T) { t.Log("step one"); t.Fatal("the reason") })
	for i := 0; i < 40; i++ {
		t.Logf("dump line %d", i)
	}
}
`)
	cmd := exec.Command("go", "test", "-json", "-v", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	stream, err := cmd.Output()
	if err == nil {
		t.Fatalf("go test passed:\n%s", stream)
	}
	got := summarize(t, bytes.NewReader(stream))
	i := strings.Index(got, "=== 1 failed")
	if i < 0 {
		t.Fatalf("no summary:\n%s", got)
	}
	tail := got[i:]
	if !strings.Contains(tail, "--- FAIL: example.com/x TestSuite/a") || !strings.Contains(tail, "step one") ||
		!strings.Contains(tail, "the reason") || strings.Contains(tail, "dump line") {
		t.Errorf("summary:\n%s", tail)
	}
}

// summarize is what the command prints for stream: the output, then the summary.
func summarize(t *testing.T, stream io.Reader) string {
	t.Helper()
	var out bytes.Buffer
	s, err := run(stream, &out)
	if err != nil {
		t.Fatal(err)
	}
	s.write(&out)
	return out.String()
}
