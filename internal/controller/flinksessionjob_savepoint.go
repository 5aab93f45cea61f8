package controller

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

func clientKey(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

// triggerSavepoint takes a savepoint of the running job (manual nonce or periodic,
// jobcore_savepoint.go); a manual one also records its nonce as handled.
func (r *FlinkSessionJobReconciler) triggerSavepoint(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved,
	opts lifecycle.Options, why v1beta1.SnapshotTriggerType) error {
	if !obs.tasksRunning() {
		return nil
	}
	triggered, err := r.core().triggerSavepoint(ctx, job, obs.flink, obs.job.ID, opts.SavepointFormat, why)
	if err != nil || !triggered || why != v1beta1.SnapshotTriggerManual {
		return err
	}
	return recordNonceHandled(ctx, r.core(), job, jobOfSessionJob, job.Spec.Job, savepointNonce)
}

// core is the job core (jobcore.go) over a FlinkSessionJob's status.
func (r *FlinkSessionJobReconciler) core() jobCore[*v1beta1.FlinkSessionJob] {
	return jobCore[*v1beta1.FlinkSessionJob]{client: r.Client, recorder: r.Recorder, clock: r.Clock, where: "the session cluster",
		status:   func(j *v1beta1.FlinkSessionJob) *v1beta1.CommonStatus { return &j.Status.CommonStatus },
		recorded: r.recordSnapshot, stops: &r.stops}
}
