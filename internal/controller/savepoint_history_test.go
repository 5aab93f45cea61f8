package controller_test

import (
	"fmt"
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/opconfig"
)

// historyOf returns the locations in a savepoint history, oldest first.
func historyOf(si *v1beta1.SavepointInfo) []string {
	if si == nil {
		return nil
	}
	var out []string
	for _, sp := range si.SavepointHistory {
		out = append(out, sp.Location)
	}
	return out
}

// takeManualSavepoints sets savepointTriggerNonce 1..n one after the other, each once the
// previous savepoint is recorded, and returns the savepoints' locations in order.
func takeManualSavepoints(t *testing.T, n int, setNonce func(int64), last func() *v1beta1.Savepoint) []string {
	t.Helper()
	var locs []string
	for i := 1; i <= n; i++ {
		setNonce(int64(i))
		waitFor(t, fmt.Sprintf("manual savepoint %d", i), func() error {
			sp := last()
			if sp == nil || sp.TriggerType != v1beta1.SnapshotTriggerManual || len(locs) > 0 && sp.Location == locs[len(locs)-1] {
				return fmt.Errorf("last savepoint %+v", sp)
			}
			locs = append(locs, sp.Location)
			return nil
		})
	}
	return locs
}

// kubernetes.operator.savepoint.cleanup.enabled false: savepoints leave the history at its
// max count, but their files stay.
func TestSavepointHistoryWithoutCleanupKeepsTheFiles(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
		map[string]string{opconfig.HistoryMaxCount: "1", opconfig.SavepointCleanup: "false"})

	locs := takeManualSavepoints(t, 2,
		func(n int64) {
			updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointTriggerNonce = &n })
		},
		func() *v1beta1.Savepoint {
			if si := getDeployment(t, ns, name).Status.JobStatus.SavepointInfo; si != nil {
				return si.LastSavepoint
			}
			return nil
		})
	waitFor(t, "history pruned to the newest savepoint", func() error {
		if h := historyOf(getDeployment(t, ns, name).Status.JobStatus.SavepointInfo); len(h) != 1 || h[0] != locs[1] {
			return fmt.Errorf("history %v, want [%s]", h, locs[1])
		}
		return nil
	})
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 0 {
		t.Errorf("savepoints disposed with cleanup disabled: %v", c)
	}
}

// A session job's savepoint history is kept within its max count like a deployment's, and
// the savepoints that leave it are disposed (cleanup enabled by default).
func TestSessionJobSavepointHistoryIsPruned(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJobWith(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint, map[string]string{opconfig.HistoryMaxCount: "1"})
	waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")

	locs := takeManualSavepoints(t, 2,
		func(n int64) { updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = &n }) },
		func() *v1beta1.Savepoint {
			if si := getSessionJob(t, ns, "job").Status.JobStatus.SavepointInfo; si != nil {
				return si.LastSavepoint
			}
			return nil
		})
	waitFor(t, "history pruned to the newest savepoint", func() error {
		if h := historyOf(getSessionJob(t, ns, "job").Status.JobStatus.SavepointInfo); len(h) != 1 || h[0] != locs[1] {
			return fmt.Errorf("history %v, want [%s]", h, locs[1])
		}
		return nil
	})
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 1 || c[0] != "DISPOSE "+locs[0] {
		t.Errorf("disposals %v, want one of %s", c, locs[0])
	}
}
