package controller_test

import (
	"fmt"
	"testing"

	"weir.dev/weir/api/v1beta1"
)

// Periodic savepoints on a Quartz cron schedule, as FKO accepts for
// kubernetes.operator.periodic.savepoint.interval: each due time triggers one savepoint,
// recorded as PERIODIC in the history, and the schedule runs on from the last one.
func TestPeriodicSavepointsOnACronSchedule(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", "", map[string]string{
		"kubernetes.operator.periodic.savepoint.interval": "*/2 * * * * ?", // every 2 s
	})

	waitFor(t, "two periodic savepoints in the history", func() error {
		si := getDeployment(t, ns, name).Status.JobStatus.SavepointInfo
		if si == nil {
			return fmt.Errorf("no savepointInfo")
		}
		var periodic []int64
		for _, sp := range si.SavepointHistory {
			if sp.TriggerType == v1beta1.SnapshotTriggerPeriodic {
				periodic = append(periodic, sp.TimeStamp)
			}
		}
		if len(periodic) < 2 || si.LastPeriodicSavepointTimestamp == 0 {
			return fmt.Errorf("periodic savepoints at %v, last periodic trigger %d", periodic, si.LastPeriodicSavepointTimestamp)
		}
		return nil
	})
	if n := len(flink.savepointTriggers(url)); n < 2 {
		t.Errorf("%d savepoint triggers reached Flink, want at least 2", n)
	}
}
