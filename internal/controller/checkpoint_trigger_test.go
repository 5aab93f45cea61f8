package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/opconfig"
)

// checkpointRecorded waits until status.jobStatus.checkpointInfo has no trigger in flight
// and its last checkpoint was triggered as why after the one seen before (prev).
func checkpointRecorded(t *testing.T, why v1beta1.SnapshotTriggerType, prev int64, info func() *v1beta1.CheckpointInfo) *v1beta1.CheckpointInfo {
	t.Helper()
	var ci *v1beta1.CheckpointInfo
	waitFor(t, string(why)+" checkpoint recorded", func() error {
		ci = info()
		if ci == nil || ci.TriggerID != "" || ci.LastCheckpoint == nil || ci.LastCheckpoint.TriggerType != why || ci.LastCheckpoint.TimeStamp == prev {
			return fmt.Errorf("checkpointInfo %+v", ci)
		}
		return nil
	})
	return ci
}

// checkpointTriggerNonce changed on a running job: exactly one checkpoint is triggered
// through Flink REST, of kubernetes.operator.checkpoint.type, recorded in checkpointInfo,
// announced, and the nonce recorded as handled; the job keeps running untouched.
func TestCheckpointTriggerNonceTriggersOneCheckpoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", "", map[string]string{opconfig.CheckpointType: "INCREMENTAL"})
	info := func() *v1beta1.CheckpointInfo { return getDeployment(t, ns, name).Status.JobStatus.CheckpointInfo }

	var prev int64
	for n := int64(1); n <= 2; n++ {
		updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.CheckpointTriggerNonce = &n })
		ci := checkpointRecorded(t, v1beta1.SnapshotTriggerManual, prev, info)
		prev = ci.LastCheckpoint.TimeStamp
		if cp := ci.LastCheckpoint; cp.FormatType != "INCREMENTAL" || cp.TriggerNonce == nil || *cp.TriggerNonce != n {
			t.Errorf("checkpoint %d recorded as %+v, want INCREMENTAL with its nonce", n, cp)
		}
		last, _, _ := getDeployment(t, ns, name).LastReconciledSpec()
		if last.Job.CheckpointTriggerNonce == nil || *last.Job.CheckpointTriggerNonce != n {
			t.Errorf("nonce %d not recorded in lastReconciledSpec: %v", n, last.Job.CheckpointTriggerNonce)
		}
		if c := flink.checkpointTriggers(url); len(c) != int(n) || !strings.HasSuffix(c[n-1], " INCREMENTAL") {
			t.Errorf("after nonce %d, checkpoint triggers %v; want %d INCREMENTAL ones", n, c, n)
		}
	}
	waitForEvents(t, ns, name, "CheckpointCompleted: MANUAL checkpoint 7 completed at file:///flink-data/checkpoints/chk-7")
	if c := append(flink.callsLike(url, "POST /jobs/"+getDeployment(t, ns, name).Status.JobStatus.JobID+"/stop"), flink.callsLike(url, "PATCH ")...); len(c) != 0 {
		t.Errorf("a manual checkpoint stopped the job: %v", c)
	}
}

// A checkpoint Flink fails is reported as a CheckpointError Event and its trigger cleared;
// the nonce counts as handled (it is not retried in a loop), as FKO does.
func TestFailedManualCheckpointIsReported(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", "")
	flink.failCheckpointsOf(url)
	n := int64(5)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.CheckpointTriggerNonce = &n })
	waitForEvents(t, ns, name, "CheckpointError: Checkpoint failed for checkpointTriggerNonce: 5: ", "Checkpoint expired before completing (test)")
	waitFor(t, "trigger cleared, nonce handled", func() error {
		d := getDeployment(t, ns, name)
		last, _, _ := d.LastReconciledSpec()
		if ci := d.Status.JobStatus.CheckpointInfo; ci == nil || ci.TriggerID != "" || ci.LastCheckpoint != nil ||
			last.Job.CheckpointTriggerNonce == nil || *last.Job.CheckpointTriggerNonce != n {
			return fmt.Errorf("checkpointInfo %+v, recorded nonce %v", ci, last.Job.CheckpointTriggerNonce)
		}
		return nil
	})
	if c := flink.checkpointTriggers(url); len(c) != 1 {
		t.Errorf("checkpoint triggers %v; want exactly one", c)
	}
}

// kubernetes.operator.periodic.checkpoint.interval on a Quartz cron schedule: each due
// time triggers one PERIODIC checkpoint (FULL by default), and the schedule runs on from
// the last one.
func TestPeriodicCheckpointsOnACronSchedule(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", "", map[string]string{
		opconfig.PeriodicCheckpoint: "*/2 * * * * ?", // every 2 s
	})
	info := func() *v1beta1.CheckpointInfo { return getDeployment(t, ns, name).Status.JobStatus.CheckpointInfo }
	first := checkpointRecorded(t, v1beta1.SnapshotTriggerPeriodic, 0, info)
	second := checkpointRecorded(t, v1beta1.SnapshotTriggerPeriodic, first.LastCheckpoint.TimeStamp, info)
	if second.LastPeriodicCheckpointTimestamp != second.LastCheckpoint.TimeStamp || second.LastPeriodicCheckpointTimestamp <= first.LastPeriodicCheckpointTimestamp {
		t.Errorf("lastPeriodicCheckpointTimestamp %d, then %d", first.LastPeriodicCheckpointTimestamp, second.LastPeriodicCheckpointTimestamp)
	}
	c := flink.checkpointTriggers(url)
	if len(c) < 2 {
		t.Errorf("%d checkpoint triggers reached Flink, want at least 2", len(c))
	}
	for _, tr := range c {
		if !strings.HasSuffix(tr, " FULL") {
			t.Errorf("trigger %s: want FULL checkpoints by default", tr)
		}
	}
}

// A session job takes nonce and periodic checkpoints through the same job core.
func TestSessionJobCheckpoints(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint)
	id := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID
	info := func() *v1beta1.CheckpointInfo { return getSessionJob(t, ns, "job").Status.JobStatus.CheckpointInfo }

	n := int64(1)
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.CheckpointTriggerNonce = &n })
	ci := checkpointRecorded(t, v1beta1.SnapshotTriggerManual, 0, info)
	last, _, _, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](getSessionJob(t, ns, "job").Status.ReconciliationStatus.LastReconciledSpec)
	if err != nil || last.Job == nil || last.Job.CheckpointTriggerNonce == nil || *last.Job.CheckpointTriggerNonce != 1 {
		t.Errorf("nonce not recorded in lastReconciledSpec: %+v, %v", last.Job, err)
	}
	if c := flink.checkpointTriggers(url); len(c) != 1 {
		t.Errorf("checkpoint triggers %v; want exactly one", c)
	}

	waitFor(t, "periodic checkpoints switched on", func() error {
		j := getSessionJob(t, ns, "job")
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
			"state.checkpoints.dir": "file:///flink-data/checkpoints", "state.savepoints.dir": "file:///flink-data/savepoints",
			opconfig.PeriodicCheckpoint: "1 s",
		})
		return k8s.Update(context.Background(), j)
	})
	ci = checkpointRecorded(t, v1beta1.SnapshotTriggerPeriodic, ci.LastCheckpoint.TimeStamp, info)
	checkpointRecorded(t, v1beta1.SnapshotTriggerPeriodic, ci.LastCheckpoint.TimeStamp, info)
	if got := getSessionJob(t, ns, "job"); got.Status.JobStatus.JobID != id || len(flink.callsLike(url, "RUN ")) != 1 {
		t.Errorf("checkpoints restarted the job: %v", flink.callsTo(url))
	}
}
