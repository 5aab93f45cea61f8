package status

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

// ConditionSessionClusterReady says whether a session job's FlinkDeployment can take jobs.
const ConditionSessionClusterReady = "SessionClusterReady"

// SessionClusterCondition says whether the session cluster can take the job: session is the
// FlinkDeployment the job names (nil when it does not exist).
func SessionClusterCondition(job *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment) metav1.Condition {
	cond := metav1.Condition{Type: ConditionSessionClusterReady, ObservedGeneration: job.Generation}
	switch {
	case session == nil:
		cond.Status, cond.Reason = metav1.ConditionFalse, "SessionClusterMissing"
		cond.Message = fmt.Sprintf("Waiting for session cluster: FlinkDeployment %q does not exist", job.Spec.DeploymentName)
	case session.Status.JobManagerDeploymentStatus != v1beta1.JMReady:
		jm := string(session.Status.JobManagerDeploymentStatus)
		if jm == "" {
			jm = string(v1beta1.JMMissing)
		}
		cond.Status, cond.Reason = metav1.ConditionFalse, "SessionClusterNotReady"
		cond.Message = fmt.Sprintf("Waiting for session cluster %q to be ready (JobManager %s)", session.Name, jm)
	default:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, "SessionClusterReady", "Session cluster is ready"
	}
	return cond
}
