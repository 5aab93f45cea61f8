// Command testsummary reads `go test -json` on stdin, prints the test output as `go test`
// would, and ends with the last lines of each failed test. A suite's failure message can
// otherwise sit thousands of lines above the end of a CI log (the e2e dumps the operator's
// log after a failed case and goes on with the next), and the end is what gets read.
//
// With WEIR_TEST_SUMMARY set to a file, the summary is also appended there, so that .ci/run
// can print every suite's summary after all of them have run.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// tailLines is how many of its own last output lines a failed test shows.
const tailLines = 25

// event is the part of cmd/test2json's TestEvent this reads.
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string // build-output and build-fail events
}

type failure struct {
	name    string // "<package> <test>", or the package alone
	elapsed float64
}

// summary keeps each test's last lines and the failures, in order.
type summary struct {
	tails    map[string][]string
	failures []failure
}

func newSummary() *summary { return &summary{tails: map[string][]string{}} }

func key(pkg, test string) string {
	if test == "" {
		return pkg
	}
	return pkg + " " + test
}

// add records one event and returns the text to print for it.
func (s *summary) add(e event) string {
	pkg := e.Package
	if pkg == "" {
		pkg = e.ImportPath
	}
	k := key(pkg, e.Test)
	switch e.Action {
	case "output", "build-output":
		if !framing(e.Output) {
			t := append(s.tails[k], e.Output)
			if len(t) > tailLines {
				t = t[len(t)-tailLines:]
			}
			s.tails[k] = t
		}
		return e.Output
	case "fail", "build-fail":
		s.failures = append(s.failures, failure{name: k, elapsed: e.Elapsed})
	}
	return ""
}

// framing reports go test's own markers, which say nothing a summary needs.
func framing(line string) bool {
	t := strings.TrimSpace(line)
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "--- SKIP", "--- FAIL", "PASS", "FAIL"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return t == ""
}

// write prints the failed tests' tails. A test whose subtest failed is left out unless
// nothing of a subtest is: the subtest holds the reason, the parent only logs around it
// (the e2e's operator log dumps). A package is left out when one of its tests is listed.
func (s *summary) write(w io.Writer) {
	var shown []failure
	for _, f := range s.failures {
		if !slices.ContainsFunc(s.failures, func(g failure) bool { return within(g.name, f.name) }) {
			shown = append(shown, f)
		}
	}
	if len(shown) == 0 {
		return
	}
	fmt.Fprintf(w, "\n=== %d failed (the last %d lines of each; the whole output is above)\n", len(shown), tailLines)
	for _, f := range shown {
		fmt.Fprintf(w, "--- FAIL: %s (%.2fs)\n", f.name, f.elapsed)
		for _, l := range s.tails[f.name] {
			fmt.Fprint(w, l)
			if !strings.HasSuffix(l, "\n") {
				fmt.Fprintln(w)
			}
		}
	}
}

// within reports whether test name sits under parent: a subtest of it, or a test of the
// package parent.
func within(name, parent string) bool {
	if strings.Contains(parent, " ") {
		return strings.HasPrefix(name, parent+"/")
	}
	return strings.HasPrefix(name, parent+" ")
}

// run copies in's test output to out and appends the summary; a line that is not JSON
// (go test's own errors before the JSON starts) is printed as it is.
func run(in io.Reader, out io.Writer) (*summary, error) {
	s := newSummary()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(out, sc.Text())
			continue
		}
		fmt.Fprint(out, s.add(e))
	}
	return s, sc.Err()
}

func main() {
	s, err := run(os.Stdin, os.Stdout)
	s.write(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if path := os.Getenv("WEIR_TEST_SUMMARY"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(1)
		}
		s.write(f)
		_ = f.Close()
	}
}
