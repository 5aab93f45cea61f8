package flinktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/testenv"
)

// TestExamplesRunOnAssembledDistribution is the smoke test of the assembled distributions:
// a real JobManager and TaskManager on loopback run each streaming example jar.
func TestExamplesRunOnAssembledDistribution(t *testing.T) {
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) {
			c := New(t, Options{Version: line})
			examples := filepath.Join(c.Home, "examples", "streaming")

			// WordCount is bounded: an attached run returns once the job has finished.
			out := c.flink(t, "run", filepath.Join(examples, "WordCount.jar"))
			if !strings.Contains(out, "Job has been submitted with JobID") {
				t.Fatalf("WordCount output lacks the submission line:\n%s", out)
			}
			id := jobID(t, out)
			if st := jobState(t, c.RESTURL, id); st != "FINISHED" {
				t.Fatalf("WordCount job %s is %s, want FINISHED", id, st)
			}

			// The other two are unbounded: detached runs must reach RUNNING with all tasks.
			for _, jar := range []string{"StateMachineExample.jar", "TopSpeedWindowing.jar"} {
				out := c.flink(t, "run", "-d", filepath.Join(examples, jar))
				id := jobID(t, out)
				waitRunning(t, c.RESTURL, id)
				c.flink(t, "cancel", id)
			}
		})
	}
}

func (c *Cluster) flink(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.Home, "bin", "flink"), args...)
	cmd.Env = c.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flink %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var jobIDRE = regexp.MustCompile(`JobID ([0-9a-f]{32})`)

func jobID(t *testing.T, out string) string {
	t.Helper()
	m := jobIDRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no JobID in output:\n%s", out)
	}
	return m[1]
}

type jobDetails struct {
	State    string `json:"state"`
	Vertices []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"vertices"`
}

func getJob(t *testing.T, base, id string) jobDetails {
	t.Helper()
	resp, err := http.Get(base + "/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d jobDetails
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatalf("GET /jobs/%s: %v", id, err)
	}
	return d
}

func jobState(t *testing.T, base, id string) string { return getJob(t, base, id).State }

// waitRunning polls until the job and every vertex run; a failed job ends the wait at once.
func waitRunning(t *testing.T, base, id string) {
	t.Helper()
	testenv.Eventually(t, "job "+id+" and all its vertices running", testenv.Poll{Limit: 2 * time.Minute, Interval: 500 * time.Millisecond}, func() error {
		last := getJob(t, base, id)
		switch last.State {
		case "FAILED", "CANCELED", "FINISHED":
			t.Fatalf("job %s ended %s before running", id, last.State)
		case "RUNNING":
			all := len(last.Vertices) > 0
			for _, v := range last.Vertices {
				all = all && v.Status == "RUNNING"
			}
			if all {
				return nil
			}
		}
		return fmt.Errorf("%v", last)
	})
}
