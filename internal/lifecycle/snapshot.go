package lifecycle

import (
	"fmt"

	"weir.dev/weir/api/v1beta1"
)

// SnapshotStepKind is the next step for a FlinkStateSnapshot.
type SnapshotStepKind string

// Snapshot steps.
const (
	// SnapshotNothing: the snapshot is final (COMPLETED, FAILED, ABANDONED).
	SnapshotNothing SnapshotStepKind = "nothing"
	// SnapshotRecordExisting: spec.savepoint.alreadyExists: record spec.savepoint.path as COMPLETED.
	SnapshotRecordExisting SnapshotStepKind = "record-existing"
	// SnapshotTrigger: record TRIGGER_PENDING with a fresh trigger id in status, then
	// trigger it in Flink (the id makes a repeated trigger harmless), then IN_PROGRESS.
	SnapshotTrigger SnapshotStepKind = "trigger"
	// SnapshotPoll: ask Flink for the trigger's status.
	SnapshotPoll SnapshotStepKind = "poll"
	// SnapshotComplete: record COMPLETED with Path.
	SnapshotComplete SnapshotStepKind = "complete"
	// SnapshotRetry: count the failure and trigger again (backoffLimit not yet reached).
	SnapshotRetry SnapshotStepKind = "retry"
	// SnapshotFail: record FAILED with Error (backoffLimit reached).
	SnapshotFail SnapshotStepKind = "fail"
	// SnapshotAbandon: the job went away before the snapshot could be taken.
	SnapshotAbandon SnapshotStepKind = "abandon"
	// SnapshotWait: the job is not running yet; look again later.
	SnapshotWait SnapshotStepKind = "wait"
	// SnapshotDispose: the resource is being deleted; dispose the savepoint's files first.
	SnapshotDispose SnapshotStepKind = "dispose"
	// SnapshotRelease: the resource is being deleted and nothing needs disposing; drop the finalizer.
	SnapshotRelease SnapshotStepKind = "release"
)

// SnapshotFacts is what the controller observed for one FlinkStateSnapshot.
type SnapshotFacts struct {
	// JobExists: the referenced FlinkDeployment/FlinkSessionJob exists and has a job.
	JobExists bool
	// JobRunning: that job is RUNNING, so a snapshot can be triggered.
	JobRunning bool
	// Result is the trigger's outcome when Flink reported it COMPLETED; nil while in
	// progress or not polled yet.
	Result *SnapshotResult
	// TriggerUnknown: Flink does not know the trigger id (JobManager restarted, or the
	// operation expired from its cache).
	TriggerUnknown bool
	// Deleting: the resource has a deletion timestamp.
	Deleting bool
}

// SnapshotResult is a finished Flink operation.
type SnapshotResult struct {
	Path    string // savepoint location; "" for checkpoints
	Failure string // Flink's failure cause; "" on success
}

// SnapshotStep is the planner's decision for a snapshot.
type SnapshotStep struct {
	Kind     SnapshotStepKind
	State    v1beta1.SnapshotState // the state to record
	Path     string
	Error    string
	Failures int32
	Reason   string
}

// PlanSnapshot decides the next step for a FlinkStateSnapshot, as FKO does: trigger when the
// job runs, poll, complete or retry up to backoffLimit (-1 retries forever), abandon when
// the job is gone, dispose a completed savepoint on delete when disposeOnDelete (default true).
func PlanSnapshot(spec v1beta1.FlinkStateSnapshotSpec, st v1beta1.FlinkStateSnapshotStatus, f SnapshotFacts) SnapshotStep {
	if f.Deleting {
		if st.State == v1beta1.SnapshotCompleted && spec.Savepoint != nil && st.Path != "" && disposeOnDelete(spec) {
			return SnapshotStep{Kind: SnapshotDispose, State: st.State, Path: st.Path, Reason: "disposing savepoint " + st.Path + " before deletion"}
		}
		return SnapshotStep{Kind: SnapshotRelease, State: st.State, Reason: "nothing to dispose"}
	}
	if spec.Savepoint == nil && spec.Checkpoint == nil {
		return SnapshotStep{Kind: SnapshotFail, State: v1beta1.SnapshotFailed, Error: "spec must set savepoint or checkpoint", Failures: st.Failures}
	}
	switch st.State {
	case v1beta1.SnapshotCompleted, v1beta1.SnapshotFailed, v1beta1.SnapshotAbandoned:
		return SnapshotStep{Kind: SnapshotNothing, State: st.State, Path: st.Path, Failures: st.Failures}
	}
	if spec.Savepoint != nil && spec.Savepoint.AlreadyExists {
		if spec.Savepoint.Path == "" {
			return SnapshotStep{Kind: SnapshotFail, State: v1beta1.SnapshotFailed, Error: "savepoint.alreadyExists needs savepoint.path"}
		}
		return SnapshotStep{Kind: SnapshotRecordExisting, State: v1beta1.SnapshotCompleted, Path: spec.Savepoint.Path, Reason: "recording existing savepoint"}
	}
	if st.State == v1beta1.SnapshotInProgress && st.TriggerID != "" {
		switch {
		case f.Result != nil && f.Result.Failure == "":
			return SnapshotStep{Kind: SnapshotComplete, State: v1beta1.SnapshotCompleted, Path: f.Result.Path, Failures: st.Failures, Reason: "snapshot completed"}
		case f.Result != nil:
			return failOrRetry(spec, st, f.Result.Failure)
		case f.TriggerUnknown:
			return failOrRetry(spec, st, "Flink no longer knows trigger "+st.TriggerID+" (JobManager restarted?)")
		case !f.JobExists:
			return SnapshotStep{Kind: SnapshotAbandon, State: v1beta1.SnapshotAbandoned, Failures: st.Failures, Reason: "the job went away while the snapshot was in progress"}
		}
		return SnapshotStep{Kind: SnapshotPoll, State: st.State, Failures: st.Failures, Reason: "snapshot " + st.TriggerID + " in progress"}
	}
	// "", TRIGGER_PENDING, or IN_PROGRESS without a trigger id (crashed between writes).
	if !f.JobExists {
		return SnapshotStep{Kind: SnapshotAbandon, State: v1beta1.SnapshotAbandoned, Failures: st.Failures, Reason: "the referenced job does not exist"}
	}
	if !f.JobRunning {
		return SnapshotStep{Kind: SnapshotWait, State: v1beta1.SnapshotTriggerPending, Failures: st.Failures, Reason: "waiting for the job to run"}
	}
	return SnapshotStep{Kind: SnapshotTrigger, State: v1beta1.SnapshotInProgress, Failures: st.Failures, Reason: "triggering " + snapshotKind(spec)}
}

func failOrRetry(spec v1beta1.FlinkStateSnapshotSpec, st v1beta1.FlinkStateSnapshotStatus, cause string) SnapshotStep {
	failures := st.Failures + 1
	limit := int32(-1)
	if spec.BackoffLimit != nil {
		limit = *spec.BackoffLimit
	}
	if limit >= 0 && failures > limit {
		return SnapshotStep{Kind: SnapshotFail, State: v1beta1.SnapshotFailed, Error: cause, Failures: failures,
			Reason: fmt.Sprintf("%s failed %d time(s), backoffLimit %d reached", snapshotKind(spec), failures, limit)}
	}
	return SnapshotStep{Kind: SnapshotRetry, State: v1beta1.SnapshotTriggerPending, Error: cause, Failures: failures,
		Reason: fmt.Sprintf("%s failed (%d so far), retrying: %s", snapshotKind(spec), failures, cause)}
}

func disposeOnDelete(spec v1beta1.FlinkStateSnapshotSpec) bool {
	return spec.Savepoint.DisposeOnDelete == nil || *spec.Savepoint.DisposeOnDelete
}

func snapshotKind(spec v1beta1.FlinkStateSnapshotSpec) string {
	if spec.Checkpoint != nil {
		return "checkpoint"
	}
	return "savepoint"
}
