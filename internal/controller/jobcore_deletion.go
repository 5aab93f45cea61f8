package controller

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
)

// stopRetryWait is how long a failed stop-with-savepoint (a deletion's or a rollout's)
// waits before the next one: each status write wakes the resource, so without it a
// failing savepoint would be retried in a tight loop (an e2e run saw a rollout trigger,
// fail and clear a stop every 100 ms while the job's tasks were still being deployed).
const stopRetryWait = 10 * time.Second

// stopBackoff remembers, in memory, until when each resource's stop-with-savepoint is not
// retried (a restarted operator retries at once, which is safe), and the latest checkpoint
// seen while the job still ran during its deletion, for the Event of a deletion that ends
// without a savepoint. Safe for concurrent reconciles.
type stopBackoff struct {
	until       sync.Map // types.UID -> time.Time
	checkpoints sync.Map // types.UID -> string
}

func (b *stopBackoff) hold(uid types.UID, until time.Time) { b.until.Store(uid, until) }

// backingOff says whether uid is held at now.
func (b *stopBackoff) backingOff(uid types.UID, now time.Time) bool {
	v, ok := b.until.Load(uid)
	return ok && now.Before(v.(time.Time))
}

// noteCheckpoint remembers path as uid's latest checkpoint; "" leaves the last one.
func (b *stopBackoff) noteCheckpoint(uid types.UID, path string) {
	if path != "" {
		b.checkpoints.Store(uid, path)
	}
}

// checkpoint is the latest checkpoint noted for uid, "" when none was.
func (b *stopBackoff) checkpoint(uid types.UID) string {
	v, _ := b.checkpoints.Load(uid)
	s, _ := v.(string)
	return s
}

func (b *stopBackoff) forget(uid types.UID) {
	b.until.Delete(uid)
	b.checkpoints.Delete(uid)
}

// msgDeletionSavepointFailed is status.error and the CleanupFailed Event when the savepoint
// a deletion waits for fails; the deletion tries again (FKO keeps its finalizer too).
const msgDeletionSavepointFailed = "The savepoint before deletion failed; trying again. " +
	"Remove kubernetes.operator.job.savepoint-on-deletion to delete without one"

// pollDeletionSavepoint settles the trigger recorded in status while the resource is being
// deleted (savepoint_poll.go). A stop-with-savepoint (UPGRADE) that Flink failed is
// reported in status.error and a CleanupFailed Event, and returned as failed: the caller
// keeps the resource and tries again later.
func (c jobCore[T]) pollDeletionSavepoint(ctx context.Context, obj T, fl rest.API) (failed bool, err error) {
	si := c.jobStatus(obj).SavepointInfo
	if si == nil || si.TriggerID == "" {
		return false, nil
	}
	ours := si.TriggerType == v1beta1.SnapshotTriggerUpgrade
	before := lastSavepointAt(c.jobStatus(obj))
	if err := c.poll(ctx, obj, fl); err != nil {
		return false, err
	}
	si = c.jobStatus(obj).SavepointInfo
	if !ours || si.TriggerID != "" || lastSavepointAt(c.jobStatus(obj)) != before {
		return false, nil // still pending, completed, or not the deletion's own
	}
	c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCleanupFailed, msgDeletionSavepointFailed)
	return true, patchStatus(ctx, c.client, obj, func(o T) {
		c.status(o).Error = statusError(errTypeReconcile, msgDeletionSavepointFailed)
	})
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
