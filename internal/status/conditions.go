package status

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// ConditionRunning is FKO's one condition on FlinkDeployment.
const ConditionRunning = "Running"

// SetRunningCondition sets the Running condition: in application mode from the job state,
// in session mode from the JobManager's readiness. Other conditions are kept.
func SetRunningCondition(conds *[]metav1.Condition, application bool, jobState string,
	jm v1beta1.JobManagerDeploymentStatus, generation int64) {
	c := metav1.Condition{Type: ConditionRunning, ObservedGeneration: generation}
	if application {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, "JobNotRunning", "Job is not running"
		if jobState != "" {
			c.Reason = titleCase(jobState)
		}
		if jobState == jobstate.Running {
			c.Status, c.Message = metav1.ConditionTrue, "Job is running"
		}
	} else {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, jmReason(jm), "JobManager is not ready"
		if jm == v1beta1.JMReady {
			c.Status, c.Message = metav1.ConditionTrue, "JobManager is running and ready to receive REST API calls"
		}
	}
	meta.SetStatusCondition(conds, c)
}

func jmReason(jm v1beta1.JobManagerDeploymentStatus) string {
	switch jm {
	case v1beta1.JMReady:
		return "JobManagerReady"
	case v1beta1.JMDeployedNotReady:
		return "DeployedNotReady"
	case v1beta1.JMDeploying:
		return "JobManagerIsDeploying"
	case v1beta1.JMError:
		return "Error"
	}
	return "JobManagerDeploymentMissing"
}

// titleCase turns RUNNING into Running: condition reasons must be CamelCase.
func titleCase(s string) string {
	out := make([]byte, 0, len(s))
	upper := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '_' || ch == '-' || ch == ' ':
			upper = true
			continue
		case upper && ch >= 'a' && ch <= 'z':
			ch -= 'a' - 'A'
		case !upper && ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		}
		if (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') {
			out = append(out, ch)
			upper = false
		}
	}
	if len(out) == 0 || out[0] < 'A' || out[0] > 'Z' {
		return "Unknown"
	}
	return string(out)
}
