package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/bench/upgrade"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/status"
)

const stateMachineClass = "org.apache.flink.streaming.examples.statemachine.StateMachineExample"

// TestBenchUpgrade is `make bench-upgrade`: on its own local cluster, the operator's
// savepoint upgrade of a FlinkDeployment (StateMachineExample, keyed state, checkpoints
// every 3 s, savepoints on a hostPath) beside the limit measured in the same run: the same
// jar on a session cluster, stopped with a savepoint and run again from it through Flink's
// REST API by the bench itself, no operator involved. BENCH_UPGRADE_RUNS upgrades of each
// (default 3); it prints min / median / max of each figure and the ratio operator / hand.
// The operator's upgrade also restarts the cluster (a new JobManager and TaskManager);
// the session cluster keeps both, so the ratio is the price of an application cluster's
// upgrade, not only of the operator's polling.
func TestBenchUpgrade(t *testing.T) {
	requireE2E(t)
	if os.Getenv("WEIR_BENCH_UPGRADE") != "1" {
		t.Skip("upgrade benchmark: set WEIR_BENCH_UPGRADE=1 as well (make bench-upgrade)")
	}
	runs := 3
	if v := os.Getenv("BENCH_UPGRADE_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("BENCH_UPGRADE_RUNS=%q: want a positive number", v)
		}
		runs = n
	}
	ctx := context.Background()
	r, c := operatorCluster(t, ctx, "WEIR_BENCH_UPGRADE_DATA_DIR")
	var res upgrade.Runs
	if !t.Run("operator", func(t *testing.T) { benchOperatorUpgrades(t, ctx, r, c, runs, &res) }) {
		t.Logf("operator log:\n%s", operatorLog(ctx, c))
	}
	t.Run("by hand", func(t *testing.T) { res.Hand = benchHandUpgrades(t, ctx, r, c, runs) })
	var b strings.Builder
	if err := res.Write(&b); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\nweir bench-upgrade: %d savepoint upgrades each, StateMachineExample at parallelism 1, 0.5 CPU per pod\n%s", runs, b.String())
}

// benchCluster is the Flink cluster both parts run on: the e2e session cluster with half a
// CPU per pod, checkpoints every 3 s and savepoints on a hostPath.
func benchCluster(r *demo.Runner, name string) *v1beta1.FlinkDeployment {
	d := sessionDeployment(name)
	d.Spec.JobManager.Resource.CPU = ptr.To(0.5)
	d.Spec.TaskManager.Resource.CPU = ptr.To(0.5)
	withSharedVolume(d, filepath.Join(r.DataDir, "volumes", name))
	setConf(&d.Spec, "state.checkpoints.dir", "file:///flink-data/checkpoints")
	setConf(&d.Spec, "state.savepoints.dir", "file:///flink-data/savepoints")
	setConf(&d.Spec, "execution.checkpointing.interval", "3s")
	return d
}

// benchOperatorUpgrades deploys the job as a FlinkDeployment and upgrades it runs times by
// changing pipeline.name, each measured by Flink's REST and by the operator's own
// status.weir.rollouts.
func benchOperatorUpgrades(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, runs int, res *upgrade.Runs) {
	d := benchCluster(r, "bench-upgrade")
	d.Spec.Job = &v1beta1.JobSpec{
		JarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar", EntryClass: stateMachineClass,
		Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint,
	}
	key := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	if err := c.Ctrl.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	defer deleteDeployment(t, ctx, c, key) // the session cluster gets the CPU
	l := &lifecycleRun{t: t, ctx: ctx, r: r, c: c, key: key}
	l.waitStable("first deployment")
	for i := 1; i <= runs; i++ {
		l.waitCheckpoint()
		old := l.onlyJob()
		seen := follow(ctx, old.ID, l.flink)
		requested := time.Now()
		l.update(func(s *v1beta1.FlinkDeploymentSpec) { setConf(s, "pipeline.name", fmt.Sprintf("bench-upgrade-%d", i)) })
		l.waitStable(fmt.Sprintf("upgrade %d", i))
		e := l.checkRolloutTimed(v1beta1.UpgradeModeSavepoint)
		f := figures(t, <-seen, requested)
		res.Operator = append(res.Operator, f)
		down, _ := status.Downtime(e)
		gap, _ := status.Gap(e)
		res.StatusDowntime, res.StatusGap = append(res.StatusDowntime, down), append(res.StatusGap, gap)
		t.Logf("operator upgrade %d: %+v; status.weir.rollouts: downtime %s, gap %s", i, f, down, gap)
	}
}

// benchHandUpgrades runs the same jar on a session cluster and upgrades it runs times by
// hand through Flink's REST API: stop-with-savepoint, then the jar run from the savepoint.
func benchHandUpgrades(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, runs int) []upgrade.Figures {
	d := benchCluster(r, "bench-session")
	key := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	if err := c.Ctrl.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	defer deleteDeployment(t, ctx, c, key)
	if _, err := r.Wait(ctx, c, key, app.TargetReady, readyTimeout); err != nil {
		t.Fatal(err)
	}
	home, err := flinkdist.Ensure(ctx, "1.20") // the image's Flink: the same jar as the operator part's
	if err != nil {
		t.Fatal(err)
	}
	fl := flinkClient(t, ctx, c, key)
	jar, err := fl.UploadJar(ctx, filepath.Join(home, "examples", "streaming", "StateMachineExample.jar"))
	if err != nil {
		t.Fatal(err)
	}
	run := flinkrest.RunJarRequest{EntryClass: stateMachineClass, Parallelism: 1}
	job, err := fl.RunJar(ctx, jar, run)
	if err != nil {
		t.Fatal(err)
	}
	s := &sessionJobRun{t: t, ctx: ctx, c: c, session: key}
	fast := flinkrest.PollInterval{Initial: 100 * time.Millisecond} // the limit polls as fast as it sensibly can
	var out []upgrade.Figures
	for i := 1; i <= runs; i++ {
		s.waitCheckpoint(job)
		seen := follow(ctx, job, func() (*flinkrest.Client, error) { return fl, nil })
		requested := time.Now()
		trigger, err := fl.StopWithSavepoint(ctx, job, flinkrest.StopRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if run.SavepointPath, err = fl.AwaitSavepoint(ctx, job, trigger, fast); err != nil {
			t.Fatal(err)
		}
		if job, err = fl.RunJar(ctx, jar, run); err != nil {
			t.Fatal(err)
		}
		f := figures(t, <-seen, requested)
		out = append(out, f)
		s.eventually("job "+job+" restored from "+run.SavepointPath, func() error { // the limit must carry state too
			cp, err := fl.Checkpoints(ctx, job)
			if err != nil {
				return err
			}
			if r := cp.Latest.Restored; r == nil || !r.IsSavepoint || !samePath(r.ExternalPath, run.SavepointPath) {
				return fmt.Errorf("restored %+v", r)
			}
			return nil
		})
		t.Logf("hand upgrade %d: %+v (from %s)", i, f, run.SavepointPath)
	}
	return out
}

// figures completes what follow saw with the moment of the request.
func figures(t *testing.T, seen followed, requested time.Time) upgrade.Figures {
	t.Helper()
	if seen.err != nil {
		t.Fatal(seen.err)
	}
	seen.times.Requested = requested
	f, err := seen.times.Figures()
	if err != nil {
		t.Fatal(err)
	}
	return f
}
