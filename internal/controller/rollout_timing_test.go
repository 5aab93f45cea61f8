package controller_test

import (
	"fmt"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/status"
)

// setCheckpointStats makes the cluster answer GET /jobs/:id/checkpoints with stats.
func (f *fakeFlink) setCheckpointStats(restURL, stats string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cpStats == nil {
		f.cpStats = map[string]string{}
	}
	f.cpStats[restURL] = stats
}

// A savepoint upgrade leaves one entry in status.weir.rollouts whose steps are all timed,
// in the order they happen.
func TestSavepointUpgradeRecordsItsTimings(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	if r := status.Rollouts(&getDeployment(t, ns, name).Status.CommonStatus); len(r) != 0 {
		t.Fatalf("a first deployment is no rollout: %+v", r)
	}
	before := time.Now().Add(-time.Second).UnixMilli()
	oldID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	var newID string
	waitFor(t, "the new cluster", func() error {
		newID = confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")
		if d := getDeployment(t, ns, name); d.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed || newID == "" || newID == oldID {
			return fmt.Errorf("reconciliation %s", d.Status.ReconciliationStatus.State)
		}
		return nil
	})
	flink.setJobID(url, newID)
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	// The new job restores, then completes its first checkpoint.
	now := time.Now().UnixMilli()
	flink.setCheckpointStats(url, fmt.Sprintf(`{"counts":{"completed":2},"latest":{"completed":{"id":9,"status":"COMPLETED","latest_ack_timestamp":%d},`+
		`"restored":{"id":7,"restore_timestamp":%d,"is_savepoint":true}},"history":[{"id":9,"status":"COMPLETED","latest_ack_timestamp":%d},{"id":8,"status":"COMPLETED","latest_ack_timestamp":%d}]}`,
		now+2, now, now+2, now+1))

	var e v1beta1.RolloutTiming
	waitFor(t, "the rollout's first checkpoint", func() error {
		r := status.Rollouts(&getDeployment(t, ns, name).Status.CommonStatus)
		if len(r) != 1 {
			return fmt.Errorf("rollouts %+v", r)
		}
		if e = r[0]; e.FirstCheckpoint == 0 {
			return fmt.Errorf("no first checkpoint yet: %+v", e)
		}
		return nil
	})
	if e.Kind != v1beta1.RolloutUpgrade || e.UpgradeMode != v1beta1.UpgradeModeSavepoint {
		t.Errorf("kind %s mode %s", e.Kind, e.UpgradeMode)
	}
	steps := []struct {
		name string
		at   int64
	}{{"before", before}, {"started", e.Started}, {"savepointCompleted", e.SavepointCompleted}, {"deployed", e.Deployed},
		{"jobManagerReady", e.JobManagerReady}, {"jobRunning", e.JobRunning}}
	for i := 1; i < len(steps); i++ {
		if steps[i].at == 0 || steps[i].at < steps[i-1].at {
			t.Errorf("%s at %d, before %s at %d: %+v", steps[i].name, steps[i].at, steps[i-1].name, steps[i-1].at, e)
		}
	}
	if e.Restored != now || e.FirstCheckpoint != now+1 {
		t.Errorf("restored %d, first checkpoint %d; want %d and %d (the oldest completed)", e.Restored, e.FirstCheckpoint, now, now+1)
	}
	if d, ok := status.Downtime(e); !ok || d <= 0 || d > time.Minute {
		t.Errorf("downtime %v", d)
	}
	checkDiff(t, ns, name, e) // diff_cli_test.go: `weir diff` predicts the next upgrade from this one
}

// checkSessionRollout: a session job's savepoint upgrade leaves one entry, its steps in
// order (a session job has no JobManager of its own to time).
func checkSessionRollout(t *testing.T, ns string) {
	t.Helper()
	var e v1beta1.RolloutTiming
	waitFor(t, "the session job's rollout timed", func() error {
		r := status.Rollouts(&getSessionJob(t, ns, "job").Status.CommonStatus)
		if len(r) != 1 || r[0].JobRunning == 0 {
			return fmt.Errorf("rollouts %+v", r)
		}
		e = r[0]
		return nil
	})
	if e.Kind != v1beta1.RolloutUpgrade || e.UpgradeMode != v1beta1.UpgradeModeSavepoint || e.JobManagerReady != 0 ||
		e.Started == 0 || e.SavepointCompleted < e.Started || e.Deployed < e.SavepointCompleted || e.JobRunning < e.Deployed {
		t.Errorf("session job rollout %+v", e)
	}
}
