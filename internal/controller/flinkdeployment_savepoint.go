package controller

import (
	"context"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// savepointTimeout abandons a trigger Flink never finishes.
const savepointTimeout = 15 * time.Minute

// triggerSavepoint asks Flink for a savepoint of the running job (jobcore_savepoint.go);
// a manual one also records its nonce as handled.
func (r *FlinkDeploymentReconciler) triggerSavepoint(ctx context.Context, dep *v1beta1.FlinkDeployment,
	desired *v1beta1.FlinkDeploymentSpec, obs observed, opts lifecycle.Options, why v1beta1.SnapshotTriggerType) error {
	if !obs.jobRunning() {
		return nil
	}
	triggered, err := r.core().triggerSavepoint(ctx, dep, obs.flink, obs.job.ID, opts.SavepointFormat, why)
	if err != nil || !triggered || why != v1beta1.SnapshotTriggerManual {
		return err
	}
	return recordNonceHandled(ctx, r.core(), dep, jobOfDeployment, desired.Job, savepointNonce)
}

// stopWithSavepoint stops the running job with a savepoint in the recorded spec's format.
func (r *FlinkDeploymentReconciler) stopWithSavepoint(ctx context.Context, dep *v1beta1.FlinkDeployment, obs observed) error {
	format := v1beta1.SavepointFormatCanonical
	if last, _, _ := dep.LastReconciledSpec(); last != nil {
		if o, err := plannerOptions(last); err == nil {
			format = o.SavepointFormat
		}
	}
	return r.core().stopWithSavepoint(ctx, dep, obs.flink, obs.job.ID, format)
}

// savepointFacts turns the recorded savepoint info of a deployment or session job into the
// planners' plain values: the newest savepoint, a pending trigger and the last periodic one.
func savepointFacts(si *v1beta1.SavepointInfo) (last *lifecycle.Snapshot, pending *lifecycle.PendingTrigger, lastPeriodic time.Time) {
	if si == nil {
		return nil, nil, time.Time{}
	}
	if si.LastSavepoint != nil {
		last = &lifecycle.Snapshot{Path: si.LastSavepoint.Location, Time: time.UnixMilli(si.LastSavepoint.TimeStamp)}
	}
	if si.TriggerID != "" {
		pending = &lifecycle.PendingTrigger{TriggerID: si.TriggerID, Type: si.TriggerType}
		if si.TriggerTimestamp != nil {
			pending.Since = time.UnixMilli(*si.TriggerTimestamp)
		}
	}
	if si.LastPeriodicSavepointTimestamp > 0 {
		lastPeriodic = time.UnixMilli(si.LastPeriodicSavepointTimestamp)
	}
	return last, pending, lastPeriodic
}
