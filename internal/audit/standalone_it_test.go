package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/testenv"
)

// TestAudiencesOnStandaloneFlink submits the job jar to a real standalone Flink 1.20 cluster
// (JobManager and two TaskManager processes on loopback) and, while events flow, stops it with a
// savepoint and resumes, SIGKILLs a TaskManager process (Flink restarts from the last
// checkpoint), cancels and resubmits from the retained checkpoint; then audits the output.
func TestAudiencesOnStandaloneFlink(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run the job on a standalone Flink cluster (about 3 minutes)")
	}
	start := time.Now()
	logf := func(format string, args ...any) {
		t.Logf("[%6.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	jar, _ := buildJob(t)
	jar, _ = filepath.Abs(filepath.Join(jobDir, jar))
	work := t.TempDir()
	c := flinktest.New(t, flinktest.Options{
		Version:      "1.20",
		TaskManagers: 2,
		// Generous: the shared 2-core machine can be very busy.
		StartTimeout: 10 * time.Minute,
		Config: map[string]string{
			// Spread the two subtasks over both TaskManagers, so that killing either one hits the
			// job, and the survivor's two slots can take the restarted job.
			"cluster.evenly-spread-out-slots":                      "true",
			"restart-strategy.type":                                "fixed-delay",
			"restart-strategy.fixed-delay.attempts":                "20",
			"restart-strategy.fixed-delay.delay":                   "1 s",
			"heartbeat.timeout":                                    "10000",
			"heartbeat.interval":                                   "2000",
			"execution.checkpointing.tolerable-failed-checkpoints": "10",
		},
	})
	logf("cluster up at %s", c.RESTURL)

	cfg := GenConfig{Seed: 99, Events: 600_000, Users: 3_000, SpacingMs: 3_000, BaseTs: DefaultGenConfig().BaseTs}
	output := filepath.Join(work, "out")
	jobArgs := []string{jar, "--output", output, "--seed", fmt.Sprint(cfg.Seed), "--events", fmt.Sprint(cfg.Events),
		"--users", fmt.Sprint(cfg.Users), "--spacing-ms", fmt.Sprint(cfg.SpacingMs), "--rate", "2500",
		"--checkpoint-interval-ms", "2000", "--parallelism", "2"}
	flink := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(c.Home, "bin", "flink"), args...)
		cmd.Env = c.Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("flink %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
		}
		return string(out)
	}
	submit := func(restore string) string {
		args := []string{"run", "-d"}
		if restore != "" {
			args = append(args, "-s", restore)
		}
		out := flink(append(args, jobArgs...)...)
		m := regexp.MustCompile(`JobID ([0-9a-f]{32})`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no JobID in flink run output:\n%s", out)
		}
		logf("submitted job %s %s", m[1], map[bool]string{true: "restoring " + restore, false: "fresh"}[restore != ""])
		return m[1]
	}

	// 1. Fresh start, a checkpoint, then stop with a savepoint and resume from it.
	job := submit("")
	waitCheckpoints(t, c.RESTURL, job, 1)
	sp := flink("stop", "--savepointPath", "file://"+filepath.Join(work, "savepoints"), job)
	m := regexp.MustCompile(`Savepoint completed\. Path: (\S+)`).FindStringSubmatch(sp)
	if m == nil {
		t.Fatalf("no savepoint path in:\n%s", sp)
	}
	logf("stopped with savepoint %s", m[1])
	job = submit(m[1])

	// 2. SIGKILL one TaskManager JVM between checkpoints; Flink restores from the last checkpoint
	// onto the surviving TaskManager.
	before := waitCheckpoints(t, c.RESTURL, job, 1)
	time.Sleep(1500 * time.Millisecond) // let uncommitted output build up past the checkpoint
	pid := taskManagerPID(t, c.ConfDir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	logf("killed TaskManager pid %d", pid)
	waitCheckpoints(t, c.RESTURL, job, before+2)
	logf("job recovered and checkpointed again")

	// 3. Cancel (the checkpoint is retained) and resubmit from it, as after losing the JobManager.
	flink("cancel", job)
	waitState(t, c.RESTURL, job, "CANCELED")
	cp := latestCheckpoint(t, c.RESTURL, job)
	logf("cancelled; latest retained checkpoint %s", cp)
	job = submit(cp)

	// 4. Run to the end of input.
	waitState(t, c.RESTURL, job, "FINISHED")
	logf("job finished")

	out, err := ReadOutput(output)
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := ParseRules(DefaultRules)
	rep := Check(cfg, rules, out)
	var b strings.Builder
	rep.Write(&b)
	t.Log(b.String())
	if !rep.OK() {
		t.Fatal("audit failed after the standalone-cluster scenario")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

type checkpointStats struct {
	Counts struct {
		Completed int `json:"completed"`
	} `json:"counts"`
	Latest struct {
		Completed *struct {
			ID           int64  `json:"id"`
			ExternalPath string `json:"external_path"`
		} `json:"completed"`
		Savepoint *struct {
			ID           int64  `json:"id"`
			ExternalPath string `json:"external_path"`
		} `json:"savepoint"`
	} `json:"latest"`
}

// waitCheckpoints waits (bounded) until the job has at least n completed checkpoints and is RUNNING.
func waitCheckpoints(t *testing.T, base, job string, n int) int {
	t.Helper()
	var done int
	testenv.Eventually(t, fmt.Sprintf("%d completed checkpoints of job %s", n, job), testenv.Poll{Limit: 5 * time.Minute, Interval: 500 * time.Millisecond}, func() error {
		var st checkpointStats
		getJSON(t, base+"/jobs/"+job+"/checkpoints", &st)
		s := jobState(t, base, job)
		if s == "FINISHED" || s == "FAILED" || s == "CANCELED" {
			t.Fatalf("job %s is %s while waiting for checkpoints; lower --rate or raise --events", job, s)
		}
		if st.Counts.Completed < n || s != "RUNNING" {
			return fmt.Errorf("%d completed, job %s", st.Counts.Completed, s)
		}
		done = st.Counts.Completed
		return nil
	})
	return done
}

func latestCheckpoint(t *testing.T, base, job string) string {
	t.Helper()
	var st checkpointStats
	getJSON(t, base+"/jobs/"+job+"/checkpoints", &st)
	path, id := "", int64(-1)
	if c := st.Latest.Completed; c != nil && c.ID > id {
		path, id = c.ExternalPath, c.ID
	}
	if s := st.Latest.Savepoint; s != nil && s.ID > id {
		path = s.ExternalPath
	}
	if path == "" {
		t.Fatalf("job %s has no completed checkpoint", job)
	}
	return path
}

func jobState(t *testing.T, base, job string) string {
	t.Helper()
	var j struct {
		State string `json:"state"`
	}
	getJSON(t, base+"/jobs/"+job, &j)
	return j.State
}

func waitState(t *testing.T, base, job, want string) {
	t.Helper()
	testenv.Eventually(t, "job "+job+" "+want, testenv.Poll{Limit: 10 * time.Minute, Interval: 500 * time.Millisecond}, func() error {
		s := jobState(t, base, job)
		if s == "FAILED" || (s == "CANCELED" && want != "CANCELED") {
			t.Fatalf("job %s is %s, want %s", job, s, want)
		}
		if s != want {
			return fmt.Errorf("job is %s", s)
		}
		return nil
	})
}

// taskManagerPID finds a TaskManager JVM of this cluster (its command line names our conf dir).
func taskManagerPID(t *testing.T, confDir string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		s := string(cmd)
		if strings.Contains(s, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner") && strings.Contains(s, confDir) {
			return pid
		}
	}
	t.Fatalf("no TaskManager JVM with --configDir %s found", confDir)
	return 0
}
