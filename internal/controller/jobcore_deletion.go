package controller

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
)

// msgDeletionSavepointFailed is status.error and the CleanupFailed Event when the savepoint
// a deletion waits for fails; the deletion tries again (FKO keeps its finalizer too).
const msgDeletionSavepointFailed = "The savepoint before deletion failed; trying again. " +
	"Remove kubernetes.operator.job.savepoint-on-deletion to delete without one"

// pollDeletionSavepoint settles the trigger recorded in status while the resource is being
// deleted (savepoint_poll.go). A stop-with-savepoint (UPGRADE) that Flink failed is
// reported as a failed cleanup and returned as an error, so the deletion is retried with
// backoff and the resource kept.
func (c jobCore[T]) pollDeletionSavepoint(ctx context.Context, obj T, fl rest.API) error {
	si := c.jobStatus(obj).SavepointInfo
	if si == nil || si.TriggerID == "" {
		return nil
	}
	ours := si.TriggerType == v1beta1.SnapshotTriggerUpgrade
	before := lastSavepointAt(c.jobStatus(obj))
	if err := c.poll(ctx, obj, fl); err != nil {
		return err
	}
	si = c.jobStatus(obj).SavepointInfo
	if !ours || si.TriggerID != "" || lastSavepointAt(c.jobStatus(obj)) != before {
		return nil // still pending, completed, or not the deletion's own
	}
	c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCleanupFailed, msgDeletionSavepointFailed)
	if err := patchStatus(ctx, c.client, obj, func(o T) {
		c.status(o).Error = statusError(errTypeReconcile, msgDeletionSavepointFailed)
	}); err != nil {
		return err
	}
	return errors.New(msgDeletionSavepointFailed)
}

// finalSavepoint is the path of a savepoint completed since the deletion began (at since),
// "" when none was: the one the deletion's Cleanup Event names.
func finalSavepoint(js *v1beta1.JobStatus, since time.Time) string {
	if si := js.SavepointInfo; si != nil && si.LastSavepoint != nil && si.LastSavepoint.TimeStamp >= since.UnixMilli() {
		return si.LastSavepoint.Location
	}
	return ""
}

func lastSavepointAt(js *v1beta1.JobStatus) int64 {
	if si := js.SavepointInfo; si != nil && si.LastSavepoint != nil {
		return si.LastSavepoint.TimeStamp
	}
	return 0
}
