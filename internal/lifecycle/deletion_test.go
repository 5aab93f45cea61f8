package lifecycle

import "testing"

func TestPlanDeletion(t *testing.T) {
	running := DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true, Answered: true, JobRunning: true}
	for _, tc := range []struct {
		name string
		f    DeletionFacts
		want DeletionStep
	}{
		{"key off: torn down even with a running job", DeletionFacts{JobManagerUp: true, Answered: true, JobRunning: true}, DeletionTearDown},
		{"key off: a pending trigger does not hold the deletion", DeletionFacts{TriggerPending: true, JobRunning: true}, DeletionTearDown},
		{"running job: stopped with a savepoint", running, DeletionStopWithSavepoint},
		{"pending trigger: settled first", func() DeletionFacts { f := running; f.TriggerPending = true; return f }(), DeletionPollSavepoint},
		{"pending trigger, JobManager silent: still settled (poll abandons it late)", DeletionFacts{SavepointOnDeletion: true, TriggerPending: true, JobManagerUp: true}, DeletionPollSavepoint},
		{"savepoint failed a moment ago: not retried at once", func() DeletionFacts { f := running; f.BackingOff = true; return f }(), DeletionBackOff},
		{"backing off, job ended meanwhile: torn down", DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true, Answered: true, BackingOff: true}, DeletionTearDown},
		{"JobManager up but silent: asked again", DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true}, DeletionAskAgain},
		{"job ended (stopped, finished, failed): torn down", DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true, Answered: true}, DeletionTearDown},
		{"no JobManager, job never seen: torn down", DeletionFacts{SavepointOnDeletion: true}, DeletionTearDown},
		{"no JobManager, job ended for good: torn down", DeletionFacts{SavepointOnDeletion: true, JobState: "FINISHED"}, DeletionTearDown},
		{"JobManager gone before the savepoint (foreground deletion): HA data kept", DeletionFacts{SavepointOnDeletion: true, JobState: "RUNNING"}, DeletionTearDownKeepHA},
		{"JobManager gone while backing off: HA data kept", DeletionFacts{SavepointOnDeletion: true, BackingOff: true, JobState: "RUNNING"}, DeletionTearDownKeepHA},
		{"job restarting, no savepoint possible: HA data kept", DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true, Answered: true, JobState: "RESTARTING"}, DeletionTearDownKeepHA},
		{"last-state suspended job: HA data kept", DeletionFacts{SavepointOnDeletion: true, JobState: "SUSPENDED"}, DeletionTearDownKeepHA},
		{"deploying (RECONCILING), JobManager gone: HA data kept", DeletionFacts{SavepointOnDeletion: true, JobState: "RECONCILING"}, DeletionTearDownKeepHA},
		{"savepoint taken, job finished: torn down with HA data", DeletionFacts{SavepointOnDeletion: true, JobManagerUp: true, Answered: true, SavepointTaken: true, JobState: "FINISHED"}, DeletionTearDown},
		{"savepoint taken, JobManager gone since: torn down with HA data", DeletionFacts{SavepointOnDeletion: true, SavepointTaken: true, JobState: "RUNNING"}, DeletionTearDown},
		{"key off, JobManager gone: torn down with HA data", DeletionFacts{JobState: "RUNNING"}, DeletionTearDown},
		{"pending savepoint, JobManager gone: not waited for, HA data kept", DeletionFacts{SavepointOnDeletion: true, TriggerPending: true, JobManagerGone: true, JobState: "RUNNING"}, DeletionTearDownKeepHA},
		{"pending trigger, JobManager gone after the savepoint: torn down", DeletionFacts{SavepointOnDeletion: true, TriggerPending: true, JobManagerGone: true, SavepointTaken: true, JobState: "FINISHED"}, DeletionTearDown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlanDeletion(tc.f); got != tc.want {
				t.Errorf("PlanDeletion(%+v) = %s, want %s", tc.f, got, tc.want)
			}
		})
	}
}
