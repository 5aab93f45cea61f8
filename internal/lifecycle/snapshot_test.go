package lifecycle

import (
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func TestPlanSnapshot(t *testing.T) {
	savepoint := v1beta1.FlinkStateSnapshotSpec{Savepoint: &v1beta1.SavepointSpec{Path: "s3://b/sp"}}
	checkpoint := v1beta1.FlinkStateSnapshotSpec{Checkpoint: &v1beta1.CheckpointSpec{}}
	limited := func(n int32) v1beta1.FlinkStateSnapshotSpec {
		s := savepoint
		s.BackoffLimit = ptr(n)
		return s
	}
	inProgress := v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotInProgress, TriggerID: "t1"}
	run := SnapshotFacts{JobExists: true, JobRunning: true}
	cases := []struct {
		name     string
		spec     v1beta1.FlinkStateSnapshotSpec
		st       v1beta1.FlinkStateSnapshotStatus
		f        SnapshotFacts
		kind     SnapshotStepKind
		state    v1beta1.SnapshotState
		failures int32
		text     string // in Reason or Error
	}{
		{"new savepoint triggers", savepoint, v1beta1.FlinkStateSnapshotStatus{}, run, SnapshotTrigger, v1beta1.SnapshotInProgress, 0, "savepoint"},
		{"new checkpoint triggers", checkpoint, v1beta1.FlinkStateSnapshotStatus{}, run, SnapshotTrigger, v1beta1.SnapshotInProgress, 0, "checkpoint"},
		{"waits for the job", savepoint, v1beta1.FlinkStateSnapshotStatus{}, SnapshotFacts{JobExists: true}, SnapshotWait, v1beta1.SnapshotTriggerPending, 0, "waiting"},
		{"no job abandons", savepoint, v1beta1.FlinkStateSnapshotStatus{}, SnapshotFacts{}, SnapshotAbandon, v1beta1.SnapshotAbandoned, 0, "does not exist"},
		{"existing savepoint is recorded", v1beta1.FlinkStateSnapshotSpec{Savepoint: &v1beta1.SavepointSpec{Path: "s3://b/old", AlreadyExists: true}}, v1beta1.FlinkStateSnapshotStatus{}, SnapshotFacts{},
			SnapshotRecordExisting, v1beta1.SnapshotCompleted, 0, "existing"},
		{"polls while in progress", savepoint, inProgress, run, SnapshotPoll, v1beta1.SnapshotInProgress, 0, "t1"},
		{"completes", savepoint, inProgress, SnapshotFacts{JobExists: true, Result: &SnapshotResult{Path: "s3://b/sp/savepoint-1"}}, SnapshotComplete, v1beta1.SnapshotCompleted, 0, "completed"},
		{"failure retries forever by default", savepoint, v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotInProgress, TriggerID: "t1", Failures: 7}, SnapshotFacts{JobExists: true, Result: &SnapshotResult{Failure: "IO-problem"}},
			SnapshotRetry, v1beta1.SnapshotTriggerPending, 8, "IO-problem"},
		{"failure within backoffLimit retries", limited(1), inProgress, SnapshotFacts{JobExists: true, Result: &SnapshotResult{Failure: "boom"}}, SnapshotRetry, v1beta1.SnapshotTriggerPending, 1, "boom"},
		{"failure past backoffLimit fails", limited(1), v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotInProgress, TriggerID: "t2", Failures: 1}, SnapshotFacts{JobExists: true, Result: &SnapshotResult{Failure: "boom"}},
			SnapshotFail, v1beta1.SnapshotFailed, 2, "backoffLimit 1"},
		{"backoffLimit 0 fails at once", limited(0), inProgress, SnapshotFacts{JobExists: true, TriggerUnknown: true}, SnapshotFail, v1beta1.SnapshotFailed, 1, "no longer knows"},
		{"job gone mid-flight abandons", savepoint, inProgress, SnapshotFacts{}, SnapshotAbandon, v1beta1.SnapshotAbandoned, 0, "went away"},
		{"crash before the trigger id was written triggers again", savepoint, v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotInProgress}, run, SnapshotTrigger, v1beta1.SnapshotInProgress, 0, ""},
		{"completed is final", savepoint, v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotCompleted, Path: "p"}, run, SnapshotNothing, v1beta1.SnapshotCompleted, 0, ""},
		{"delete disposes a completed savepoint", savepoint, v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotCompleted, Path: "s3://b/sp/savepoint-1"}, SnapshotFacts{Deleting: true},
			SnapshotDispose, v1beta1.SnapshotCompleted, 0, "savepoint-1"},
		{"delete keeps it when disposeOnDelete is false", v1beta1.FlinkStateSnapshotSpec{Savepoint: &v1beta1.SavepointSpec{DisposeOnDelete: ptr(false)}},
			v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotCompleted, Path: "p"}, SnapshotFacts{Deleting: true}, SnapshotRelease, v1beta1.SnapshotCompleted, 0, ""},
		{"delete of a checkpoint releases", checkpoint, v1beta1.FlinkStateSnapshotStatus{State: v1beta1.SnapshotCompleted}, SnapshotFacts{Deleting: true}, SnapshotRelease, v1beta1.SnapshotCompleted, 0, ""},
		{"empty spec fails", v1beta1.FlinkStateSnapshotSpec{}, v1beta1.FlinkStateSnapshotStatus{}, run, SnapshotFail, v1beta1.SnapshotFailed, 0, "savepoint or checkpoint"},
	}
	for _, tc := range cases {
		s := PlanSnapshot(tc.spec, tc.st, tc.f)
		if s.Kind != tc.kind || s.State != tc.state || s.Failures != tc.failures {
			t.Errorf("%s: got %s/%s failures=%d (%s %s); want %s/%s failures=%d", tc.name, s.Kind, s.State, s.Failures, s.Reason, s.Error, tc.kind, tc.state, tc.failures)
			continue
		}
		if !strings.Contains(s.Reason+" "+s.Error+" "+s.Path, tc.text) {
			t.Errorf("%s: %q / %q lacks %q", tc.name, s.Reason, s.Error, tc.text)
		}
	}
}
