package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

// recordTrigger writes a new pending trigger id to status before Flink is asked, or
// returns the one already recorded, so a retried call is the same savepoint to Flink.
func (c jobCore[T]) recordTrigger(ctx context.Context, obj T, why v1beta1.SnapshotTriggerType) (string, error) {
	if si := c.jobStatus(obj).SavepointInfo; si != nil && si.TriggerID != "" && si.TriggerType == why {
		return si.TriggerID, nil
	}
	tid := rest.NewTriggerID()
	now := c.clock.Now().UnixMilli()
	err := patchStatus(ctx, c.client, obj, func(o T) {
		si := ensureSavepointInfo(c.jobStatus(o))
		si.TriggerID, si.TriggerType, si.TriggerTimestamp = tid, why, &now
		si.FormatType = v1beta1.SavepointFormatCanonical
	})
	return tid, err
}

// triggerSavepoint asks Flink for a savepoint of the running job jobID under a trigger id
// recorded first. A refusal is reported and its trigger cleared; triggered says Flink took it.
func (c jobCore[T]) triggerSavepoint(ctx context.Context, obj T, fl rest.API, jobID string,
	format v1beta1.SavepointFormatType, why v1beta1.SnapshotTriggerType) (triggered bool, err error) {
	tid, err := c.recordTrigger(ctx, obj, why)
	if err != nil {
		return false, err
	}
	if _, err := fl.TriggerSavepoint(ctx, jobID, rest.SavepointRequest{Format: rest.SavepointFormat(format), TriggerID: tid}); err != nil {
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonSavepointError, "Triggering savepoint failed: "+err.Error())
		return false, c.clearTrigger(ctx, obj)
	}
	return true, nil
}

// stopWithSavepoint stops the running job jobID with a savepoint (trigger type UPGRADE,
// its id recorded first); the savepoint's poll records it as upgradeSavepointPath.
func (c jobCore[T]) stopWithSavepoint(ctx context.Context, obj T, fl rest.API, jobID string, format v1beta1.SavepointFormatType) error {
	tid, err := c.recordTrigger(ctx, obj, v1beta1.SnapshotTriggerUpgrade)
	if err != nil {
		return err
	}
	if _, err := fl.StopWithSavepoint(ctx, jobID, rest.StopRequest{Format: rest.SavepointFormat(format), TriggerID: tid}); err != nil {
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonSavepointError, "Stop with savepoint failed: "+err.Error())
		c.holdStops(obj)
		return c.clearTrigger(ctx, obj)
	}
	return nil
}

// pollOrPrune settles a pending checkpoint trigger (jobcore_checkpoint.go) and a pending
// savepoint trigger (savepoint_poll.go); with none pending it keeps the savepoint history
// within limits.
func (c jobCore[T]) pollOrPrune(ctx context.Context, obj T, fl rest.API, limits lifecycle.HistoryLimits) error {
	if err := c.pollCheckpoint(ctx, obj, fl); err != nil {
		return err
	}
	if si := c.jobStatus(obj).SavepointInfo; si != nil && si.TriggerID != "" {
		return c.poll(ctx, obj, fl)
	}
	return c.pruneHistory(ctx, obj, fl, limits)
}

// pruneHistory drops the savepoints lifecycle.PruneSavepointHistory rules out of the
// history, disposing of their files when limits say so (cleanup.enabled). Disposal needs
// the JobManager: without one the history waits, so no file is forgotten undisposed.
func (c jobCore[T]) pruneHistory(ctx context.Context, obj T, fl rest.API, limits lifecycle.HistoryLimits) error {
	js := c.jobStatus(obj)
	if js.SavepointInfo == nil || len(js.SavepointInfo.SavepointHistory) <= 1 || limits.Dispose && fl == nil {
		return nil
	}
	keep, drop := lifecycle.PruneSavepointHistory(js.SavepointInfo.SavepointHistory, js.UpgradeSavepointPath, c.clock.Now(), limits)
	if len(drop) == 0 {
		return nil
	}
	if limits.Dispose {
		for _, sp := range drop {
			if _, err := fl.DisposeSavepoint(ctx, sp.Location); err != nil {
				c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCleanupFailed, fmt.Sprintf("Disposing savepoint %s failed: %v", sp.Location, err))
			}
		}
	}
	return patchStatus(ctx, c.client, obj, func(o T) { ensureSavepointInfo(c.jobStatus(o)).SavepointHistory = keep })
}
