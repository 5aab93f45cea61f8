// Package jobstate holds Flink's job states, as its REST API and FKO's jobStatus.state
// spell them, plus RECONCILING (FKO's "not known yet"). One place for every package that
// compares them: the REST client, the planner, status and the controllers.
package jobstate

// Flink's job states (org.apache.flink.api.common.JobStatus) and FKO's RECONCILING.
const (
	Initializing = "INITIALIZING"
	Created      = "CREATED"
	Running      = "RUNNING"
	Failing      = "FAILING"
	Failed       = "FAILED"
	Cancelling   = "CANCELLING"
	Canceled     = "CANCELED"
	Finished     = "FINISHED"
	Restarting   = "RESTARTING"
	Suspended    = "SUSPENDED"
	Reconciling  = "RECONCILING"
)

// Terminal says whether a job in state s is over for good: Flink will not run it again
// without a new submission.
func Terminal(s string) bool {
	return s == Finished || s == Failed || s == Canceled
}
