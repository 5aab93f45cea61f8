package controller

import (
	"context"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// checkpoint triggers a checkpoint of the running session job (jobcore_checkpoint.go); a
// manual one also records its checkpointTriggerNonce as handled, as FKO does once it is
// triggered.
func (s sessionJobSteps) checkpoint(ctx context.Context, a lifecycle.Action) error {
	if !s.obs.tasksRunning() {
		return nil
	}
	c := s.r.core()
	triggered, err := c.triggerCheckpoint(ctx, s.job, s.obs.flink, s.obs.job.ID, s.opts.CheckpointType, a.TriggerType)
	if err != nil || !triggered || a.TriggerType != v1beta1.SnapshotTriggerManual {
		return err
	}
	return recordNonceHandled(ctx, c, s.job, jobOfSessionJob, s.job.Spec.Job, checkpointNonce)
}
