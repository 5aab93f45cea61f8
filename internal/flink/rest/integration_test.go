package rest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/testenv"
)

// TestAgainstRealFlink drives every endpoint of the client against a real standalone
// JobManager and TaskManager for each pinned Flink line. Enable with WEIR_FLINK_IT=1.
func TestAgainstRealFlink(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run against real Flink")
	}
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) { runScenario(t, line) })
	}
}

// adaptiveConfig turns on the adaptive scheduler (needed for resource-requirements) and
// removes its rescale delays, under both the 1.20 and the 2.x key names.
var adaptiveConfig = map[string]string{
	"jobmanager.scheduler":                                                   "adaptive",
	"jobmanager.adaptive-scheduler.scaling-interval.min":                     "0 ms",
	"jobmanager.adaptive-scheduler.resource-stabilization-timeout":           "1 s",
	"jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling":       "0 ms",
	"jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout": "1 s",
	"taskmanager.numberOfTaskSlots":                                          "2",
	// On a loaded 2-core machine the RPC system may need more than the default 10 s to start.
	"pekko.startup-timeout": "60 s",
}

// jobID makes deterministic, per-version job ids: a retried submission must collide.
func jobID(prefix byte, line string) string {
	v := strings.ReplaceAll(line, ".", "")
	return strings.Repeat(string(prefix), 32-len(v)) + v
}

func runScenario(t *testing.T, line string) {
	start := time.Now()
	step := func(format string, args ...any) {
		t.Logf("[%6.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	home, err := flinkdist.Ensure(ctx, line)
	must(t, err)
	conf := map[string]string{"env.java.opts.all": distJavaOpts(t, home)}
	for k, v := range adaptiveConfig {
		conf[k] = v
	}
	cluster := flinktest.New(t, flinktest.Options{Version: line, Config: conf})
	step("Flink %s up at %s", cluster.Version, cluster.RESTURL)
	c, err := rest.New(cluster.RESTURL)
	if err != nil {
		t.Fatal(err)
	}
	var api rest.API = c // the controller's view
	scratch := t.TempDir()

	// Cluster endpoints.
	cfg, err := api.Config(ctx)
	must(t, err)
	if cfg.FlinkVersion != cluster.Version {
		t.Errorf("/config flink-version %q, want %q", cfg.FlinkVersion, cluster.Version)
	}
	// The TaskManager registers before it reports its slots.
	var ov *rest.ClusterOverview
	waitFor(ctx, t, "2 slots registered", func() (bool, string) {
		ov, err = api.Overview(ctx)
		if err != nil {
			return false, err.Error()
		}
		return ov.SlotsTotal == 2, fmt.Sprintf("%+v", ov)
	})
	if ov.TaskManagers != 1 || ov.SlotsAvailable != 2 || ov.FlinkVersion != cluster.Version {
		t.Errorf("/overview %+v", ov)
	}
	tms, err := api.TaskManagers(ctx)
	must(t, err)
	if len(tms) != 1 || tms[0].SlotsNumber != 2 || tms[0].TotalResource.TaskHeapMemory <= 0 {
		t.Errorf("/taskmanagers %+v", tms)
	}

	// Jars.
	jarID, err := api.UploadJar(ctx, filepath.Join(cluster.Home, "examples", "streaming", "StateMachineExample.jar"))
	must(t, err)
	step("uploaded jar %s", jarID)
	jars, err := api.ListJars(ctx)
	must(t, err)
	if !hasJar(jars, jarID) {
		t.Fatalf("uploaded jar %s not listed in %+v", jarID, jars)
	}

	// First job, with a deterministic id.
	jobA := jobID('a', line)
	got, err := api.RunJar(ctx, jarID, rest.RunJarRequest{JobID: jobA, Parallelism: 1})
	must(t, err)
	if got != jobA {
		t.Fatalf("RunJar returned job %s, want %s", got, jobA)
	}
	waitRunning(ctx, t, api, jobA)
	step("job A %s running", jobA)

	_, err = api.RunJar(ctx, jarID, rest.RunJarRequest{JobID: jobA})
	if !rest.IsDuplicateJob(err) || !rest.IsBadRequest(err) {
		t.Errorf("second run with the same job id: want a duplicate-job 400, got %v", err)
	}

	// A broken submission (the kind a bad upgrade makes) carries Flink's innermost cause.
	_, err = api.RunJar(ctx, jarID, rest.RunJarRequest{EntryClass: "org.example.DoesNotExist", JobID: jobID('e', line)})
	if rest.StatusCode(err) != 500 || !strings.Contains(err.Error(), "ClassNotFoundException: org.example.DoesNotExist") ||
		strings.Contains(err.Error(), "\tat ") || strings.Contains(err.Error(), "<Exception on server side") {
		t.Errorf("run with a missing entry class: want a condensed 500 naming the class, got %v", err)
	} else {
		step("missing entry class reports: %v", err)
	}

	jobs, err := api.ListJobs(ctx)
	must(t, err)
	if len(jobs) != 1 || jobs[0].ID != jobA || jobs[0].State != rest.JobRunning || jobs[0].Name == "" {
		t.Errorf("/jobs/overview %+v", jobs)
	}
	det, err := api.Job(ctx, jobA)
	must(t, err)
	if det.JobType != "STREAMING" || len(det.Vertices) == 0 || det.Timestamps[rest.JobRunning] == 0 {
		t.Errorf("/jobs/:id %+v", det)
	}
	// Metrics are fetched from the TaskManagers in the background: poll until they show.
	waitFor(ctx, t, "job metrics", func() (bool, string) {
		metrics, err := api.JobMetrics(ctx, jobA, "uptime", "numRestarts")
		must(t, err)
		return metrics["numRestarts"] == "0" && metrics["uptime"] != "", fmt.Sprint(metrics)
	})
	exc, err := api.JobExceptions(ctx, jobA, 5)
	must(t, err)
	if msg, _ := exc.RootCause(); msg != "" {
		t.Errorf("healthy job reports root cause %q", msg)
	}
	ckCfg, err := api.GetCheckpointConfig(ctx, jobA)
	must(t, err)
	if ckCfg.Interval <= 0 || ckCfg.Mode == "" {
		t.Errorf("checkpoint config %+v (the example enables checkpointing)", ckCfg)
	}

	// Manual checkpoint; repeating the trigger id must not start a second one.
	ckTrigger := rest.NewTriggerID()
	tid, err := api.TriggerCheckpoint(ctx, jobA, rest.CheckpointFull, ckTrigger)
	must(t, err)
	tid2, err := api.TriggerCheckpoint(ctx, jobA, rest.CheckpointFull, ckTrigger)
	must(t, err)
	if tid != ckTrigger || tid2 != ckTrigger {
		t.Errorf("checkpoint trigger ids %s %s, want %s", tid, tid2, ckTrigger)
	}
	ckID, err := api.AwaitCheckpoint(ctx, jobA, tid, rest.DefaultPoll)
	must(t, err)
	// Statistics lag behind the trigger result (web.refresh-interval): poll for them.
	var ck *rest.CheckpointSummary
	waitFor(ctx, t, fmt.Sprintf("statistics of checkpoint %d", ckID), func() (bool, string) {
		ck, err = api.CheckpointDetails(ctx, jobA, ckID)
		if rest.IsNotFound(err) {
			return false, err.Error()
		}
		must(t, err)
		return true, ""
	})
	if ck.ID != ckID || ck.Status != rest.CheckpointCompleted || ck.IsSavepoint || ck.ExternalPath == "" {
		t.Errorf("checkpoint %d details %+v", ckID, ck)
	}
	step("checkpoint %d completed at %s", ckID, ck.ExternalPath)

	// Savepoint, then its disposal. Flink 2.x's StateMachineExample uses the async state
	// API, for which Flink cannot write CANONICAL savepoints ("Not supported yet", and the
	// task fails): use NATIVE there, which also covers the other format.
	format := rest.SavepointCanonical
	if !strings.HasPrefix(line, "1.") {
		format = rest.SavepointNative
	}
	spTid, err := api.TriggerSavepoint(ctx, jobA, rest.SavepointRequest{TargetDirectory: "file://" + scratch + "/sp1", Format: format})
	must(t, err)
	sp1, err := api.AwaitSavepoint(ctx, jobA, spTid, rest.DefaultPoll)
	must(t, err)
	step("savepoint %s", sp1)
	if _, err := os.Stat(filepath.Join(localPath(sp1), "_metadata")); err != nil {
		t.Errorf("savepoint files missing: %v", err)
	}
	// The REST layer caches job statistics for web.refresh-interval, so poll.
	waitFor(ctx, t, "savepoint in checkpoint statistics", func() (bool, string) {
		stats, err := api.Checkpoints(ctx, jobA)
		if err != nil {
			return false, err.Error()
		}
		sp := stats.Latest.Savepoint
		return sp != nil && sp.ExternalPath == sp1 && sp.IsSavepoint && sp.SavepointFormat == string(format) && stats.Counts.Completed >= 2,
			fmt.Sprintf("%+v latest savepoint %+v", stats.Counts, sp)
	})
	dTid, err := api.DisposeSavepoint(ctx, sp1)
	must(t, err)
	must(t, api.AwaitDisposal(ctx, dTid, rest.DefaultPoll))
	if _, err := os.Stat(localPath(sp1)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("disposed savepoint still on disk (stat: %v)", err)
	}
	step("savepoint disposed")

	// Failures of asynchronous operations carry Flink's cause.
	dTid, err = api.DisposeSavepoint(ctx, "file://"+scratch+"/no-such-savepoint")
	must(t, err)
	var opErr *rest.OperationFailedError
	if err := api.AwaitDisposal(ctx, dTid, rest.DefaultPoll); !errors.As(err, &opErr) || !strings.Contains(err.Error(), "no-such-savepoint") {
		t.Errorf("disposal of a missing savepoint: want OperationFailedError naming it, got %v", err)
	}
	spTid, err = api.TriggerSavepoint(ctx, jobA, rest.SavepointRequest{TargetDirectory: "file:///proc/weir-cannot-write-here"})
	must(t, err)
	if _, err := api.AwaitSavepoint(ctx, jobA, spTid, rest.DefaultPoll); !errors.As(err, &opErr) {
		t.Errorf("savepoint to an unwritable directory: want OperationFailedError, got %v", err)
	} else {
		step("failed savepoint reports: %v", err)
	}

	// In-place rescale through resource requirements (adaptive scheduler).
	req, err := api.JobResourceRequirements(ctx, jobA)
	must(t, err)
	if len(req) != len(det.Vertices) {
		t.Errorf("resource requirements %v for %d vertices", req, len(det.Vertices))
	}
	// RescaleJob (what the controller calls) sets every vertex of GET /jobs/:id.
	sent, err := rest.RescaleJob(ctx, api, jobA, 2, nil)
	must(t, err)
	if len(sent) != len(req) {
		t.Errorf("RescaleJob sent %v, the job requires %v", sent, req)
	}
	for v := range req {
		if sent[v].Parallelism != (rest.ParallelismBounds{LowerBound: 1, UpperBound: 2}) {
			t.Errorf("vertex %s: sent %v", v, sent[v])
		}
	}
	readBack, err := api.JobResourceRequirements(ctx, jobA)
	must(t, err)
	for v, r := range readBack {
		if r.Parallelism.UpperBound != 2 {
			t.Errorf("vertex %s: requirements read back %v", v, r)
		}
	}
	waitFor(ctx, t, "job A rescaled to parallelism 2", func() (bool, string) {
		d, err := api.Job(ctx, jobA)
		if err != nil {
			return false, err.Error()
		}
		for _, v := range d.Vertices {
			if v.Parallelism != 2 || v.Status != "RUNNING" {
				return false, fmt.Sprintf("%s parallelism %d %s", v.Name, v.Parallelism, v.Status)
			}
		}
		return d.State == rest.JobRunning, string(d.State)
	})
	step("job A rescaled in place")
	// Tasks report RUNNING before they can take part in a checkpoint; a stop-with-savepoint
	// right after a rescale may be declined ("Task local checkpoint failure"). Wait for a
	// checkpoint of the rescaled job first, as a controller would wait for stability.
	ckBefore, err := api.Checkpoints(ctx, jobA)
	must(t, err)
	waitFor(ctx, t, "a checkpoint after the rescale", func() (bool, string) {
		st, err := api.Checkpoints(ctx, jobA)
		if err != nil {
			return false, err.Error()
		}
		return st.Counts.Completed > ckBefore.Counts.Completed, fmt.Sprintf("%+v", st.Counts)
	})

	// Stop with savepoint, then restore a new job from it.
	stopTid, err := api.StopWithSavepoint(ctx, jobA, rest.StopRequest{TargetDirectory: "file://" + scratch + "/sp2", Format: format})
	must(t, err)
	sp2, err := api.AwaitSavepoint(ctx, jobA, stopTid, rest.DefaultPoll)
	must(t, err)
	waitState(ctx, t, api, jobA, rest.JobFinished)
	step("job A stopped with savepoint %s", sp2)

	jobB := jobID('b', line)
	_, err = api.RunJar(ctx, jarID, rest.RunJarRequest{JobID: jobB, SavepointPath: sp2, ClaimMode: rest.ClaimModeNoClaim})
	must(t, err)
	waitRunning(ctx, t, api, jobB)
	var r *rest.RestoredCheckpoint
	waitFor(ctx, t, "job B's restored checkpoint entry", func() (bool, string) {
		stats, err := api.Checkpoints(ctx, jobB)
		must(t, err)
		r = stats.Latest.Restored
		return r != nil && stats.Counts.Restored == 1, fmt.Sprintf("%+v restored %+v", stats.Counts, r)
	})
	if !r.IsSavepoint || r.ExternalPath != sp2 {
		t.Errorf("job B restored entry %+v, want savepoint %s", r, sp2)
	} else {
		step("job B restored from %s (checkpoint id %d)", r.ExternalPath, r.ID)
	}

	must(t, api.CancelJob(ctx, jobB))
	waitState(ctx, t, api, jobB, rest.JobCanceled)
	must(t, api.CancelJob(ctx, jobB)) // cancelling a cancelled job is accepted: safe to repeat

	// Errors carry Flink's message and status.
	unknown := jobID('f', line)
	_, err = api.Job(ctx, unknown)
	if !rest.IsNotFound(err) || !strings.Contains(err.Error(), unknown) {
		t.Errorf("unknown job: want 404 naming it, got %v", err)
	}
	if err := api.CancelJob(ctx, unknown); !rest.IsNotFound(err) {
		t.Errorf("cancel unknown job: want 404, got %v", err)
	}
	if _, err := api.SavepointStatus(ctx, jobA, rest.NewTriggerID()); !rest.IsNotFound(err) {
		t.Errorf("unknown savepoint trigger: want 404, got %v", err)
	}
	if _, err := api.Job(ctx, "not-a-job"); err == nil || !strings.Contains(err.Error(), "32 lowercase hex") {
		t.Errorf("malformed job id: got %v", err)
	}
	step("error cases: %v", err)

	must(t, api.DeleteJar(ctx, jarID))
	jars, err = api.ListJars(ctx)
	must(t, err)
	if hasJar(jars, jarID) {
		t.Errorf("deleted jar still listed")
	}
	if err := api.DeleteJar(ctx, jarID); !rest.IsBadRequest(err) || !rest.HasMessage(err, "does not exist") {
		t.Errorf("deleting a deleted jar: want Flink's 400 'does not exist', got %v", err)
	}
	step("done")
}

// distJavaOpts returns env.java.opts.all of the distribution's own config.yaml: the
// --add-opens flags Flink needs on Java 17, which a generated config must keep.
func distJavaOpts(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, "conf", "config.yaml"))
	must(t, err)
	var tree map[string]any
	must(t, yaml.Unmarshal(b, &tree))
	if v, ok := tree["env.java.opts.all"].(string); ok {
		return v
	}
	var node any = tree
	for _, k := range []string{"env", "java", "opts", "all"} {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("%s/conf/config.yaml has no env.java.opts.all", home)
		}
		node = m[k]
	}
	s, ok := node.(string)
	if !ok || s == "" {
		t.Fatalf("%s/conf/config.yaml has no env.java.opts.all", home)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hasJar(jars []rest.JarFile, id string) bool {
	for _, j := range jars {
		if j.ID == id {
			return true
		}
	}
	return false
}

// localPath turns Flink's "file:/x" or "file:///x" into "/x".
func localPath(p string) string {
	p = strings.TrimPrefix(p, "file:")
	for strings.HasPrefix(p, "//") {
		p = p[1:]
	}
	return p
}

// waitFor polls cond until it holds; the test's context bounds the wait.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, what, testenv.Poll{Limit: time.Hour, Interval: 300 * time.Millisecond, Ctx: ctx}, func() error {
		if ok, state := cond(); !ok {
			return fmt.Errorf("last seen: %s", state)
		}
		return nil
	})
}

// waitRunning waits until the job and all its vertices run: checkpoints need every task up.
func waitRunning(ctx context.Context, t *testing.T, api rest.API, jobID string) {
	t.Helper()
	waitFor(ctx, t, "job "+jobID+" running", func() (bool, string) {
		d, err := api.Job(ctx, jobID)
		if err != nil {
			return false, err.Error()
		}
		if d.State != rest.JobRunning {
			return false, string(d.State)
		}
		for _, v := range d.Vertices {
			if v.Status != "RUNNING" {
				return false, v.Name + " " + v.Status
			}
		}
		return true, ""
	})
}

func waitState(ctx context.Context, t *testing.T, api rest.API, jobID string, want rest.JobStatus) {
	t.Helper()
	waitFor(ctx, t, "job "+jobID+" "+string(want), func() (bool, string) {
		d, err := api.Job(ctx, jobID)
		if err != nil {
			return false, err.Error()
		}
		return d.State == want, string(d.State)
	})
}
