package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/status"
)

// predict is `weir diff` of the app with mutate applied, against the real cluster (dry run):
// what the planner says the change will do.
func (l *lifecycleRun) predict(mutate func(*v1beta1.FlinkDeploymentSpec)) app.Prediction {
	l.t.Helper()
	return predictChange(l.t, l.ctx, l.c, l.get(), mutate)
}

// predictChange is `weir diff` of live with mutate applied to its spec, against the
// cluster (a dry run): the planner's answer and the downtime the app's history predicts.
func predictChange(t *testing.T, ctx context.Context, c *app.Clients, live *v1beta1.FlinkDeployment, mutate func(*v1beta1.FlinkDeploymentSpec)) app.Prediction {
	t.Helper()
	m := &v1beta1.FlinkDeployment{Spec: *live.Spec.DeepCopy()}
	m.APIVersion, m.Kind = v1beta1.GroupVersion.String(), "FlinkDeployment"
	m.Name, m.Namespace, m.Labels, m.Annotations = live.Name, live.Namespace, live.Labels, live.Annotations
	mutate(&m.Spec)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.Diff(ctx, b, app.DiffOptions{Namespace: live.Namespace, OperatorNamespace: "weir-system", Now: time.Now()})
	if err != nil || len(ps) != 1 {
		t.Fatalf("weir diff: %+v, %v", ps, err)
	}
	t.Logf("weir diff predicted %s (mode %s, savepoint %v, downtime %s): %s", ps[0].Action, ps[0].UpgradeMode, ps[0].Savepoint, ps[0].DowntimeBasis, ps[0].Reason)
	return ps[0]
}

// checkRolloutTimed waits until the newest entry of status.weir.rollouts has every step
// timed, up to the new job's first checkpoint, and checks the order of the operator's own
// steps and the mode.
func (l *lifecycleRun) checkRolloutTimed(mode v1beta1.UpgradeMode) v1beta1.RolloutTiming {
	l.t.Helper()
	e := waitRolloutTimed(l.eventually, func() *v1beta1.CommonStatus { return &l.get().Status.CommonStatus })
	steps := []int64{e.Started, e.Deployed, e.JobManagerReady, e.JobRunning}
	if mode == v1beta1.UpgradeModeSavepoint {
		steps = []int64{e.Started, e.SavepointCompleted, e.Deployed, e.JobManagerReady, e.JobRunning}
	}
	for i := 1; i < len(steps); i++ {
		if steps[i] < steps[i-1] || steps[i] == 0 {
			l.t.Errorf("rollout steps out of order or missing: %+v", e)
			break
		}
	}
	if e.UpgradeMode != mode || e.Kind != v1beta1.RolloutUpgrade {
		l.t.Errorf("rollout %+v, want an upgrade in %s mode", e, mode)
	}
	down, _ := status.Downtime(e)
	gap, _ := status.Gap(e)
	l.t.Logf("rollout measured: downtime %s, gap %s: %+v", down, gap, e)
	return e
}

// waitRolloutTimed waits until the newest entry of status.weir.rollouts in the status st
// reads is timed up to the new job's first checkpoint, and returns it.
func waitRolloutTimed(eventually func(string, func() error), st func() *v1beta1.CommonStatus) v1beta1.RolloutTiming {
	var e v1beta1.RolloutTiming
	eventually("the rollout timed in status.weir.rollouts", func() error {
		r := status.Rollouts(st())
		if len(r) == 0 {
			return errors.New("no rollout recorded")
		}
		if e = r[len(r)-1]; e.JobRunning == 0 || e.FirstCheckpoint == 0 {
			return fmt.Errorf("not every step timed yet: %+v", e)
		}
		return nil
	})
	return e
}
