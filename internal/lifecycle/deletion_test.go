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
		{"no JobManager: nothing runs, torn down", DeletionFacts{SavepointOnDeletion: true}, DeletionTearDown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlanDeletion(tc.f); got != tc.want {
				t.Errorf("PlanDeletion(%+v) = %s, want %s", tc.f, got, tc.want)
			}
		})
	}
}
