package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

func clientKey(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

func sessionSavepointInfo(j *v1beta1.FlinkSessionJob) *v1beta1.SavepointInfo {
	return ensureSavepointInfo(&j.Status.JobStatus)
}

// recordTrigger writes a new pending trigger id to status before Flink is asked, or
// returns the one already recorded, so a retried call is the same savepoint to Flink.
func (r *FlinkSessionJobReconciler) recordTrigger(ctx context.Context, job *v1beta1.FlinkSessionJob, why v1beta1.SnapshotTriggerType) (string, error) {
	if si := job.Status.JobStatus.SavepointInfo; si != nil && si.TriggerID != "" && si.TriggerType == why {
		return si.TriggerID, nil
	}
	tid := rest.NewTriggerID()
	now := r.Clock.Now().UnixMilli()
	err := patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		si := sessionSavepointInfo(j)
		si.TriggerID, si.TriggerType, si.TriggerTimestamp = tid, why, &now
		si.FormatType = v1beta1.SavepointFormatCanonical
	})
	return tid, err
}

func (r *FlinkSessionJobReconciler) clearTrigger(ctx context.Context, job *v1beta1.FlinkSessionJob) error {
	return r.savepoints().clearTrigger(ctx, job)
}

// triggerSavepoint takes a savepoint of the running job (manual nonce or periodic).
func (r *FlinkSessionJobReconciler) triggerSavepoint(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved,
	opts lifecycle.Options, why v1beta1.SnapshotTriggerType) error {
	if !obs.tasksRunning() {
		return nil
	}
	tid, err := r.recordTrigger(ctx, job, why)
	if err != nil {
		return err
	}
	if _, err := obs.flink.TriggerSavepoint(ctx, obs.job.ID, rest.SavepointRequest{Format: rest.SavepointFormat(opts.SavepointFormat), TriggerID: tid}); err != nil {
		r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Triggering savepoint failed: "+err.Error())
		return r.clearTrigger(ctx, job)
	}
	if why == v1beta1.SnapshotTriggerManual {
		// As FKO: the nonce counts as handled once its savepoint is triggered.
		last, err := lastReconciledSessionSpec(job)
		if err == nil && last != nil && last.Job != nil && job.Spec.Job != nil {
			last.Job.SavepointTriggerNonce = job.Spec.Job.SavepointTriggerNonce
			return r.recordSpec(ctx, job, last, job.Status.ReconciliationStatus.State, nil)
		}
	}
	return nil
}

// pollSavepoint settles a pending trigger (savepoint_poll.go).
func (r *FlinkSessionJobReconciler) pollSavepoint(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved) error {
	return r.savepoints().poll(ctx, job, obs.flink)
}

func (r *FlinkSessionJobReconciler) savepoints() savepointPoll[*v1beta1.FlinkSessionJob] {
	return savepointPoll[*v1beta1.FlinkSessionJob]{
		client: r.Client, recorder: r.Recorder, clock: r.Clock, where: "the session cluster",
		status: func(j *v1beta1.FlinkSessionJob) *v1beta1.JobStatus { return &j.Status.JobStatus },
	}
}
