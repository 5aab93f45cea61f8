package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

func TestSessionClusterCondition(t *testing.T) {
	job := &v1beta1.FlinkSessionJob{ObjectMeta: metav1.ObjectMeta{Generation: 3}, Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session"}}
	cluster := func(jm v1beta1.JobManagerDeploymentStatus) *v1beta1.FlinkDeployment {
		return &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Name: "session"}, Status: v1beta1.FlinkDeploymentStatus{JobManagerDeploymentStatus: jm}}
	}
	cases := []struct {
		name    string
		session *v1beta1.FlinkDeployment
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{"missing", nil, metav1.ConditionFalse, "SessionClusterMissing", `Waiting for session cluster: FlinkDeployment "session" does not exist`},
		{"no status yet", cluster(""), metav1.ConditionFalse, "SessionClusterNotReady", `Waiting for session cluster "session" to be ready (JobManager MISSING)`},
		{"deploying", cluster(v1beta1.JMDeploying), metav1.ConditionFalse, "SessionClusterNotReady", `Waiting for session cluster "session" to be ready (JobManager DEPLOYING)`},
		{"ready", cluster(v1beta1.JMReady), metav1.ConditionTrue, "SessionClusterReady", "Session cluster is ready"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := SessionClusterCondition(job, tc.session)
			if c.Type != ConditionSessionClusterReady || c.ObservedGeneration != 3 || c.Status != tc.status || c.Reason != tc.reason || c.Message != tc.message {
				t.Fatalf("got %+v\nwant %s %s %q", c, tc.status, tc.reason, tc.message)
			}
		})
	}
}
