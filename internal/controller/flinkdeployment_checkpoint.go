package controller

import (
	"context"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// checkpoint triggers a checkpoint of the running job (jobcore_checkpoint.go); a manual
// one also records its checkpointTriggerNonce as handled, as FKO does once it is triggered.
func (s deploymentSteps) checkpoint(ctx context.Context, a lifecycle.Action) error {
	if !s.obs.jobRunning() {
		return nil
	}
	c := s.r.core()
	triggered, err := c.triggerCheckpoint(ctx, s.dep, s.obs.flink, s.obs.job.ID, s.opts.CheckpointType, a.TriggerType)
	if err != nil || !triggered || a.TriggerType != v1beta1.SnapshotTriggerManual {
		return err
	}
	last, _, _ := s.dep.LastReconciledSpec()
	if last == nil || last.Job == nil || s.desired.Job == nil {
		return nil
	}
	last.Job.CheckpointTriggerNonce = s.desired.Job.CheckpointTriggerNonce
	_, err = writeAhead(ctx, c, s.dep, last, s.dep.Status.ReconciliationStatus.State, nil)
	return err
}
