package status

import (
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flink/rest"
)

func TestApplyJob(t *testing.T) {
	running := &rest.JobOverview{ID: "new", Name: "audiences", State: rest.JobRunning, StartTime: 10, LastModification: 20}
	recorded := v1beta1.JobStatus{JobID: "recorded", State: jobstate.Running}
	cases := []struct {
		name      string
		before    v1beta1.JobStatus
		job       *rest.JobOverview
		jm        v1beta1.JobManagerDeploymentStatus
		reachable bool
		want      v1beta1.JobStatus
	}{
		{"Flink reports the job", recorded, running, v1beta1.JMReady, true,
			v1beta1.JobStatus{JobID: "new", JobName: "audiences", State: jobstate.Running, StartTime: "10", UpdateTime: "20"}},
		{"no JobManager: the recorded id stays, the state is reconciling", recorded, nil, v1beta1.JMMissing, false,
			v1beta1.JobStatus{JobID: "recorded", State: jobstate.Reconciling}},
		{"no JobManager after the job finished: finished stays", v1beta1.JobStatus{JobID: "j", State: jobstate.Finished}, nil, v1beta1.JMMissing, false,
			v1beta1.JobStatus{JobID: "j", State: jobstate.Finished}},
		{"no JobManager and nothing recorded: nothing invented", v1beta1.JobStatus{}, nil, v1beta1.JMMissing, false, v1beta1.JobStatus{}},
		{"REST unreachable: reconciling", recorded, nil, v1beta1.JMDeployedNotReady, false,
			v1beta1.JobStatus{JobID: "recorded", State: jobstate.Reconciling}},
		{"REST unreachable after a failure: failed stays", v1beta1.JobStatus{JobID: "j", State: jobstate.Failed}, nil, v1beta1.JMReady, false,
			v1beta1.JobStatus{JobID: "j", State: jobstate.Failed}},
		{"REST answers without the job: the record stays until Flink reports it", recorded, nil, v1beta1.JMReady, true, recorded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			js := tc.before
			ApplyJob(&js, tc.job, tc.jm, tc.reachable)
			if js != tc.want {
				t.Fatalf("got %+v\nwant %+v", js, tc.want)
			}
		})
	}
}

func TestStableAndPromotion(t *testing.T) {
	app := &v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{JarURI: "local:///j.jar"}}
	suspendedApp := &v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{JarURI: "local:///j.jar", State: v1beta1.JobStateSuspended}}
	session := &v1beta1.FlinkDeploymentSpec{}
	st := func(jm v1beta1.JobManagerDeploymentStatus, job string) *v1beta1.FlinkDeploymentStatus {
		s := &v1beta1.FlinkDeploymentStatus{JobManagerDeploymentStatus: jm}
		s.JobStatus.State = job
		return s
	}
	deployments := []struct {
		name string
		spec *v1beta1.FlinkDeploymentSpec
		st   *v1beta1.FlinkDeploymentStatus
		want bool
	}{
		{"application running on a ready JobManager", app, st(v1beta1.JMReady, jobstate.Running), true},
		{"application restarting", app, st(v1beta1.JMReady, jobstate.Restarting), false},
		{"application running, JobManager not ready", app, st(v1beta1.JMDeployedNotReady, jobstate.Running), false},
		{"suspended as asked: nothing runs", suspendedApp, st(v1beta1.JMMissing, jobstate.Suspended), true},
		{"suspend asked, JobManager still there", suspendedApp, st(v1beta1.JMReady, jobstate.Running), false},
		{"session cluster ready", session, st(v1beta1.JMReady, ""), true},
		{"session cluster deploying", session, st(v1beta1.JMDeploying, ""), false},
	}
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			if got := DeploymentStable(tc.spec, tc.st); got != tc.want {
				t.Fatalf("DeploymentStable = %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		suspended bool
		job       string
		want      bool
	}{{false, jobstate.Running, true}, {true, jobstate.Running, false}, {false, jobstate.Restarting, false}, {false, "", false}} {
		if got := SessionJobStable(tc.suspended, tc.job); got != tc.want {
			t.Errorf("SessionJobStable(%v, %q) = %v, want %v", tc.suspended, tc.job, got, tc.want)
		}
	}
	promotions := []struct {
		name   string
		state  v1beta1.ReconciliationState
		stable bool
		want   string
	}{
		{"deployed and stable: promoted", v1beta1.ReconciliationDeployed, true, "new"},
		{"deployed, not stable yet: the old stable spec stays", v1beta1.ReconciliationDeployed, false, "old"},
		{"upgrading: never promoted mid-rollout", v1beta1.ReconciliationUpgrading, true, "old"},
		{"rolled back: the failed spec is never promoted", v1beta1.ReconciliationRolledBack, true, "old"},
	}
	for _, tc := range promotions {
		t.Run(tc.name, func(t *testing.T) {
			rs := v1beta1.ReconciliationStatus{State: tc.state, LastReconciledSpec: "new", LastStableSpec: "old"}
			PromoteStable(&rs, tc.stable)
			if rs.LastStableSpec != tc.want {
				t.Fatalf("lastStableSpec %q, want %q", rs.LastStableSpec, tc.want)
			}
		})
	}
}
