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
	"weir.dev/weir/internal/status"
)

const stateMachineClass = "org.apache.flink.streaming.examples.statemachine.StateMachineExample"

// TestBenchUpgrade is `make bench-upgrade`: on its own local cluster, the operator's
// savepoint upgrade of a FlinkDeployment (StateMachineExample, keyed state, checkpoints
// every 3 s, savepoints on a hostPath) beside the limit measured in the same run: the same
// jar on a session cluster, stopped with a savepoint and run again from it through Flink's
// REST API by the bench itself, no operator involved. The FlinkDeployment's upgrade also
// replaces its cluster (a new JobManager and TaskManager) while the session cluster keeps
// both, so the operator also upgrades the same job as a FlinkSessionJob on that session
// cluster: its ratio is the operator's own price. BENCH_UPGRADE_RUNS upgrades of each
// (default 3); it prints min / median / max of each figure and the ratios operator / hand.
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
	var dep, sj upgrade.Runs
	var hand []upgrade.Figures
	if !t.Run("FlinkDeployment", func(t *testing.T) { dep = benchDeploymentUpgrades(t, ctx, r, c, runs) }) {
		t.Logf("operator log:\n%s", operatorLog(ctx, c))
	}
	if !t.Run("session cluster", func(t *testing.T) { hand, sj = benchSessionUpgrades(t, ctx, r, c, runs) }) {
		t.Logf("operator log:\n%s", operatorLog(ctx, c))
	}
	dep.Hand, sj.Hand = hand, hand
	fmt.Printf("\nweir bench-upgrade: %d savepoint upgrades of each, StateMachineExample at parallelism 1, 0.5 CPU per pod\n", runs)
	for _, part := range []struct {
		title string
		runs  upgrade.Runs
	}{
		{"the operator upgrading a FlinkDeployment (a new application cluster each time)", dep},
		{"the operator upgrading a FlinkSessionJob (on the session cluster of the limit)", sj},
	} {
		var b strings.Builder
		if err := part.runs.Write(&b); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("\n%s, beside the limit:\n%s", part.title, b.String())
	}
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

// benchDeploymentUpgrades deploys the job as a FlinkDeployment and upgrades it runs times
// by changing pipeline.name, each measured by Flink's REST and by the operator's own
// status.weir.rollouts.
func benchDeploymentUpgrades(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, runs int) upgrade.Runs {
	var res upgrade.Runs
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
		addRun(t, &res, fmt.Sprintf("FlinkDeployment upgrade %d", i), figures(t, <-seen, requested), e)
	}
	return res
}

// addRun records one upgrade by the operator: what Flink showed and what the operator measured.
func addRun(t *testing.T, res *upgrade.Runs, what string, f upgrade.Figures, e v1beta1.RolloutTiming) {
	t.Helper()
	res.Operator = append(res.Operator, f)
	down, _ := status.Downtime(e)
	gap, _ := status.Gap(e)
	res.StatusDowntime, res.StatusGap = append(res.StatusDowntime, down), append(res.StatusGap, gap)
	t.Logf("%s: %+v; status.weir.rollouts: downtime %s, gap %s", what, f, down, gap)
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
