package lifecycle

import "weir.dev/weir/internal/flink/jobstate"

// DeletionFacts are what a deletion of a job's resource decides on.
type DeletionFacts struct {
	SavepointOnDeletion bool // kubernetes.operator.job.savepoint-on-deletion, for a resource that runs a job
	TriggerPending      bool // a savepoint trigger is recorded in status
	JobManagerUp        bool // the JobManager runs, so a job may run there
	JobManagerGone      bool // the JobManager Deployment is gone: a pending savepoint never completes
	Answered            bool // Flink's REST API answered this look
	JobRunning          bool // the job is RUNNING
	BackingOff          bool // the last deletion savepoint failed a moment ago
	SavepointTaken      bool // a savepoint completed since the deletion began
	// JobState is the job's last known state: Flink's answer, else status ("" never seen).
	JobState string
}

// DeletionStep is what a deletion does next.
type DeletionStep string

const (
	// DeletionTearDown removes what the resource leaves behind and lets it go.
	DeletionTearDown DeletionStep = "TearDown"
	// DeletionStopWithSavepoint stops the running job with a savepoint (trigger recorded first).
	DeletionStopWithSavepoint DeletionStep = "StopWithSavepoint"
	// DeletionPollSavepoint settles the recorded trigger before anything else.
	DeletionPollSavepoint DeletionStep = "PollSavepoint"
	// DeletionAskAgain looks again: the JobManager runs but did not answer, so the job may
	// still run and its state would be lost with the cluster.
	DeletionAskAgain DeletionStep = "AskAgain"
	// DeletionBackOff waits before the savepoint that failed a moment ago is tried again.
	DeletionBackOff DeletionStep = "BackOff"
	// DeletionTearDownKeepHA lets the resource go but keeps Flink's HA data: the job may
	// still hold state and no savepoint was taken, so the HA data's pointer to the latest
	// checkpoint is all that is left of it.
	DeletionTearDownKeepHA DeletionStep = "TearDownKeepHA"
)

// PlanDeletion decides the next step of a deletion. Without savepoint-on-deletion, or
// with no running job, the resource is torn down as always. With it, a running job is
// stopped with a savepoint first, and the resource stays until that savepoint is taken
// (a failed one is tried again, as FKO keeps the finalizer while its cleanup fails); the
// user can let it go by removing the key. A job that stopped running without that
// savepoint (its JobManager went first, e.g. under foreground deletion, or it is
// restarting or suspended) and has not ended for good keeps its HA data: state is never
// thrown away for a deletion that asked to keep it.
func PlanDeletion(f DeletionFacts) DeletionStep {
	switch {
	case !f.SavepointOnDeletion:
		return DeletionTearDown
	case f.TriggerPending && !f.JobManagerGone:
		return DeletionPollSavepoint
	case f.JobManagerUp && !f.Answered:
		return DeletionAskAgain
	case f.JobRunning && f.BackingOff:
		return DeletionBackOff
	case f.JobRunning:
		return DeletionStopWithSavepoint
	case !f.SavepointTaken && f.JobState != "" && !jobstate.Terminal(f.JobState):
		return DeletionTearDownKeepHA
	}
	return DeletionTearDown
}
