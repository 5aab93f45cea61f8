package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

func TestLifecycleState(t *testing.T) {
	rec := func(state v1beta1.ReconciliationState, stable bool) v1beta1.ReconciliationStatus {
		r := v1beta1.ReconciliationStatus{LastReconciledSpec: `{"spec":{}}`, State: state}
		if stable {
			r.LastStableSpec = r.LastReconciledSpec
		}
		return r
	}
	cases := []struct {
		name string
		f    Facts
		want v1beta1.ResourceLifecycleState
	}{
		{"new", Facts{}, v1beta1.LifecycleCreated},
		{"new with validation error", Facts{Common: v1beta1.CommonStatus{Error: "bad"}}, v1beta1.LifecycleFailed},
		{"deleting wins", Facts{Current: v1beta1.LifecycleDeleting, Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleDeleting},
		{"upgrading", Facts{Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationUpgrading, false)}}, v1beta1.LifecycleUpgrading},
		{"rolling back", Facts{Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationRollingBack, false)}}, v1beta1.LifecycleRollingBack},
		{"suspended", Facts{LastReconciledSuspended: true, Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleSuspended},
		{"suspend recorded, its savepoint not yet", Facts{LastReconciledSuspended: true, SuspendSavepointPending: true, Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleUpgrading},
		{"job failed", Facts{Common: v1beta1.CommonStatus{JobStatus: v1beta1.JobStatus{State: "FAILED"}, ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleFailed},
		{"HA gone", Facts{JobManager: v1beta1.JMMissing, Common: v1beta1.CommonStatus{Error: MsgHAMetadataMissing, ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleFailed},
		{"rolled back", Facts{Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationRolledBack, false)}}, v1beta1.LifecycleRolledBack},
		{"stable", Facts{Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, true)}}, v1beta1.LifecycleStable},
		{"deployed", Facts{Common: v1beta1.CommonStatus{ReconciliationStatus: rec(v1beta1.ReconciliationDeployed, false)}}, v1beta1.LifecycleDeployed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LifecycleState(tc.f); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRunningCondition(t *testing.T) {
	cases := []struct {
		name        string
		application bool
		job         string
		jm          v1beta1.JobManagerDeploymentStatus
		status      metav1.ConditionStatus
		reason      string
	}{
		{"app running", true, "RUNNING", v1beta1.JMReady, metav1.ConditionTrue, "Running"},
		{"app restarting", true, "RESTARTING", v1beta1.JMReady, metav1.ConditionFalse, "Restarting"},
		{"app unknown", true, "", v1beta1.JMDeploying, metav1.ConditionFalse, "JobNotRunning"},
		{"session ready", false, "", v1beta1.JMReady, metav1.ConditionTrue, "JobManagerReady"},
		{"session missing", false, "", v1beta1.JMMissing, metav1.ConditionFalse, "JobManagerDeploymentMissing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conds []metav1.Condition
			SetRunningCondition(&conds, tc.application, tc.job, tc.jm, 4)
			if len(conds) != 1 || conds[0].Status != tc.status || conds[0].Reason != tc.reason || conds[0].ObservedGeneration != 4 {
				t.Fatalf("got %+v", conds)
			}
		})
	}
}
