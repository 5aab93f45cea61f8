package audit

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const jobDir = "../../examples/audiences"

// buildJob builds the job jar and its local classpath (cached by a hash of the sources).
func buildJob(t *testing.T) (jar, classpath string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("./build.sh")
	cmd.Dir = jobDir
	cmd.Env = append(os.Environ(), "AUDIENCES_SKIP_TESTS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the job: %v\n%s", err, out)
	}
	cp, err := os.ReadFile(filepath.Join(jobDir, "target/classpath.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("job jar ready in %s", time.Since(start).Round(time.Second))
	return "target/audiences.jar", strings.TrimSpace(string(cp))
}

// TestScenarioOnFlink runs the job on a real (in-process) Flink 1.20 cluster through
// stop-with-savepoint + resume, a TaskManager kill, and cancel + restore from the retained
// checkpoint while events flow, then audits the committed output.
func TestScenarioOnFlink(t *testing.T) {
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to run the job on Flink (needs Java 17 and Maven; about 2 minutes)")
	}
	jar, cp := buildJob(t)
	work := t.TempDir()
	c := GenConfig{Seed: 1234, Events: 300_000, Users: 2_000, SpacingMs: 3_000, BaseTs: DefaultGenConfig().BaseTs}
	output := filepath.Join(work, "out")
	cmd := exec.Command("java", "@local/jvm.options", "-cp", jar+":"+cp, "dev.weir.audiences.Scenario",
		"--output", output, "--work", filepath.Join(work, "state"),
		"--seed", fmt.Sprint(c.Seed), "--events", fmt.Sprint(c.Events), "--users", fmt.Sprint(c.Users),
		"--spacing-ms", fmt.Sprint(c.SpacingMs), "--rate", "5000", "--checkpoint-interval-ms", "2000")
	cmd.Dir = jobDir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var steps string
	for sc.Scan() {
		t.Log(sc.Text())
		if i := strings.Index(sc.Text(), "steps: "); i >= 0 {
			steps = sc.Text()[i+len("steps: "):]
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("scenario failed: %v\n%s", err, tail(stderr.String(), 4000))
	}
	if want := "stop-with-savepoint+resume, taskmanager-kill, cancel+restore-from-checkpoint, finish"; steps != want {
		t.Fatalf("scenario steps %q, want %q", steps, want)
	}

	out, err := ReadOutput(output)
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := ParseRules(DefaultRules)
	rep := Check(c, rules, out)
	var b strings.Builder
	rep.Write(&b)
	t.Log(b.String())
	if !rep.OK() {
		t.Fatal("audit failed after the scenario")
	}
	if rep.HistoryChecked != rep.Users {
		t.Fatalf("history compared for %d of %d users", rep.HistoryChecked, rep.Users)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
