package status

import (
	"strconv"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flink/rest"
)

// ApplyJob copies what Flink said about a cluster's job into the job status. job is Flink's
// answer (nil when it reported none), jm the JobManager Deployment, reachable whether the
// REST API answered. The job id recorded before deploying is kept until Flink reports that
// very job, and a terminal state stays as it was while nothing runs.
func ApplyJob(js *v1beta1.JobStatus, job *rest.JobOverview, jm v1beta1.JobManagerDeploymentStatus, reachable bool) {
	switch {
	case job != nil:
		js.JobID = job.ID
		js.JobName = job.Name
		js.State = string(job.State)
		js.StartTime = strconv.FormatInt(job.StartTime, 10)
		js.UpdateTime = strconv.FormatInt(job.LastModification, 10)
	case jm == v1beta1.JMMissing:
		if js.State != "" && !jobstate.Terminal(js.State) {
			js.State = jobstate.Reconciling
		}
	case !reachable && !jobstate.Terminal(js.State):
		js.State = jobstate.Reconciling
	}
}

// DeploymentStable says whether a FlinkDeployment's deployed spec runs as asked: the job
// runs (application mode), the JobManager is ready (session mode), or the job is
// suspended as asked and nothing runs.
func DeploymentStable(spec *v1beta1.FlinkDeploymentSpec, st *v1beta1.FlinkDeploymentStatus) bool {
	if spec.Job != nil && spec.Job.EffectiveState() == v1beta1.JobStateSuspended {
		return st.JobManagerDeploymentStatus == v1beta1.JMMissing
	}
	if spec.IsApplication() {
		return st.JobStatus.State == jobstate.Running && st.JobManagerDeploymentStatus == v1beta1.JMReady
	}
	return st.JobManagerDeploymentStatus == v1beta1.JMReady
}

// SessionJobStable says whether a session job's deployed spec runs as asked: it is not
// suspended and its job runs. A suspended session job is never promoted, as in FKO.
func SessionJobStable(suspended bool, jobState string) bool {
	return !suspended && jobState == jobstate.Running
}

// PromoteStable makes the last reconciled spec the last stable one (the rollback target)
// once its rollout is done and it runs as asked. Both reconcilers promote through it.
func PromoteStable(rs *v1beta1.ReconciliationStatus, stable bool) {
	if stable && rs.State == v1beta1.ReconciliationDeployed && rs.LastReconciledSpec != "" {
		rs.LastStableSpec = rs.LastReconciledSpec
	}
}
