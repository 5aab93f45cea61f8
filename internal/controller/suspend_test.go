package controller

import (
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func TestSuspendFacts(t *testing.T) {
	t.Parallel()
	rec := func(first bool) string {
		s, err := v1beta1.WriteSpecWithMeta(v1beta1.FlinkSessionJobSpec{}, v1beta1.ReconciliationMetadata{FirstDeployment: first})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	job := func(state v1beta1.JobState, mode v1beta1.UpgradeMode) *v1beta1.JobSpec {
		return &v1beta1.JobSpec{State: state, UpgradeMode: mode}
	}
	sus, run := v1beta1.JobStateSuspended, v1beta1.JobStateRunning
	cases := []struct {
		name               string
		recorded           string
		job                *v1beta1.JobSpec
		path               string
		suspended, pending bool
	}{
		{"running", rec(false), job(run, v1beta1.UpgradeModeSavepoint), "", false, false},
		{"savepoint suspend without its path yet", rec(false), job(sus, v1beta1.UpgradeModeSavepoint), "", true, true},
		{"savepoint suspend with its path", rec(false), job(sus, v1beta1.UpgradeModeSavepoint), "s3://b/sp-1", true, false},
		{"last-state suspend keeps HA data, no savepoint", rec(false), job(sus, v1beta1.UpgradeModeLastState), "", true, false},
		{"stateless suspend", rec(false), job(sus, v1beta1.UpgradeModeStateless), "", true, false},
		{"created suspended: never ran", rec(true), job(sus, v1beta1.UpgradeModeSavepoint), "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, p := suspendFacts(tc.recorded, tc.job, &v1beta1.JobStatus{UpgradeSavepointPath: tc.path})
			if s != tc.suspended || p != tc.pending {
				t.Fatalf("suspended=%v pending=%v, want %v %v", s, p, tc.suspended, tc.pending)
			}
		})
	}
}
