package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

func baseSpec(mode v1beta1.UpgradeMode) v1beta1.FlinkDeploymentSpec {
	return v1beta1.FlinkDeploymentSpec{
		Image: "flink:1.20", FlinkVersion: v1beta1.FlinkVersion1_20, ServiceAccount: "flink",
		FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{
			"jobmanager.scheduler": "adaptive", "high-availability.type": "kubernetes",
			"high-availability.storageDir": "file:///flink-data/ha"}),
		Job: &v1beta1.JobSpec{JarURI: "local:///job.jar", Parallelism: 1, UpgradeMode: mode},
	}
}

// liveDeployment is a FlinkDeployment that runs spec stably in job state job, with the
// given rollout history.
func liveDeployment(t *testing.T, spec v1beta1.FlinkDeploymentSpec, job string, hist ...v1beta1.RolloutTiming) *v1beta1.FlinkDeployment {
	t.Helper()
	rec, err := v1beta1.WriteSpecWithMeta(spec, v1beta1.ReconciliationMetadata{})
	if err != nil {
		t.Fatal(err)
	}
	d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app"}, Spec: spec}
	d.Status.ReconciliationStatus = v1beta1.ReconciliationStatus{LastReconciledSpec: rec, LastStableSpec: rec, State: v1beta1.ReconciliationDeployed}
	d.Status.JobManagerDeploymentStatus = v1beta1.JMReady
	d.Status.JobStatus = v1beta1.JobStatus{JobID: "j1", State: job}
	d.Status.LifecycleState = v1beta1.LifecycleStable
	if len(hist) > 0 {
		d.Status.Weir = &v1beta1.WeirStatus{Rollouts: hist}
	}
	return d
}

func took(mode v1beta1.UpgradeMode, secs int64) v1beta1.RolloutTiming {
	return v1beta1.RolloutTiming{Kind: v1beta1.RolloutUpgrade, UpgradeMode: mode, Started: 1000, JobRunning: 1000 + secs*1000}
}

func TestPredictDeployment(t *testing.T) {
	sp, ls, sl := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState, v1beta1.UpgradeModeStateless
	withImage := func(s v1beta1.FlinkDeploymentSpec) v1beta1.FlinkDeploymentSpec { s.Image = "flink:1.20.1"; return s }
	secs := func(f float64) *float64 { return &f }
	cases := []struct {
		name      string
		live      *v1beta1.FlinkDeployment // built from the test
		desired   v1beta1.FlinkDeploymentSpec
		ha        bool
		want      Prediction
		reasonHas string
	}{
		{"a new app is deployed", nil, baseSpec(sp), false,
			Prediction{Action: "first deployment", AskedMode: sp, UpgradeMode: sp, DowntimeBasis: "no restart"}, "first deployment"},
		{"no change", liveDeployment(t, baseSpec(sp), "RUNNING"), baseSpec(sp), true,
			Prediction{Action: "nothing", AskedMode: sp, DowntimeBasis: "no restart"}, ""},
		{"savepoint upgrade of a running job, downtime from its history", liveDeployment(t, baseSpec(sp), "RUNNING", took(sp, 30), took(ls, 5), took(sp, 50), took(sp, 40)),
			withImage(baseSpec(sp)), true,
			Prediction{Action: "savepoint upgrade", Restart: true, Savepoint: true, AskedMode: sp, UpgradeMode: sp,
				RestartChanges: []string{"image: flink:1.20 -> flink:1.20.1"}, ExpectedDowntimeSeconds: secs(40), DowntimeBasis: "median of the last 3 savepoint rollout(s)"}, "image"},
		{"savepoint asked, job not running: last-state from HA, as the planner falls back", liveDeployment(t, baseSpec(sp), "RESTARTING", took(sp, 30)),
			withImage(baseSpec(sp)), true,
			Prediction{Action: "last-state upgrade", Restart: true, AskedMode: sp, UpgradeMode: ls,
				RestartChanges: []string{"image: flink:1.20 -> flink:1.20.1"}, ExpectedDowntimeSeconds: secs(30), DowntimeBasis: "median of the last 1 rollout(s), none in last-state mode"}, "no savepoint can be taken"},
		{"last-state without HA metadata is refused", liveDeployment(t, baseSpec(ls), "RUNNING"),
			withImage(baseSpec(ls)), false,
			Prediction{Action: "blocked", AskedMode: ls, RestartChanges: []string{"image: flink:1.20 -> flink:1.20.1"}, DowntimeBasis: "no restart"}, "HA metadata is not available"},
		{"stateless upgrade without history", liveDeployment(t, baseSpec(sl), "RUNNING"),
			withImage(baseSpec(sl)), false,
			Prediction{Action: "stateless upgrade", Restart: true, AskedMode: sl, UpgradeMode: sl,
				RestartChanges: []string{"image: flink:1.20 -> flink:1.20.1"}, DowntimeBasis: "no history yet"}, ""},
		{"parallelism on the adaptive scheduler scales in place", liveDeployment(t, baseSpec(sp), "RUNNING", took(sp, 30)),
			func() v1beta1.FlinkDeploymentSpec { s := baseSpec(sp); s.Job.Parallelism = 4; return s }(), true,
			Prediction{Action: "in-place scale", AskedMode: sp, OtherChanges: []string{"job.parallelism: 1 -> 4"}, DowntimeBasis: "no restart"}, ""},
		{"an operator key is recorded without a restart", liveDeployment(t, baseSpec(sp), "RUNNING"),
			func() v1beta1.FlinkDeploymentSpec {
				s := baseSpec(sp)
				c, _ := s.FlinkConfiguration.Flatten()
				c["kubernetes.operator.periodic.savepoint.interval"] = "1h"
				s.FlinkConfiguration = v1beta1.NewConfigObject(c)
				return s
			}(), true,
			Prediction{Action: "nothing", AskedMode: sp, OtherChanges: []string{"flinkConfiguration.kubernetes.operator.periodic.savepoint.interval: (unset) -> 1h"}, DowntimeBasis: "no restart"}, ""},
		{"suspend takes a savepoint", liveDeployment(t, baseSpec(sp), "RUNNING"),
			func() v1beta1.FlinkDeploymentSpec {
				s := baseSpec(sp)
				s.Job.State = v1beta1.JobStateSuspended
				return s
			}(), true,
			Prediction{Action: "suspend", Savepoint: true, AskedMode: sp, UpgradeMode: sp, OtherChanges: []string{"job.state: (unset) -> suspended"}, DowntimeBasis: "no restart"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			desired := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app"}, Spec: tc.desired}
			got, err := PredictDeployment(tc.live, desired, DeploymentFacts{HAMetadata: tc.ha, Options: lifecycle.DefaultOptions(), Now: time.Unix(5000, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.Reason, tc.reasonHas) {
				t.Errorf("reason %q, want it to say %q", got.Reason, tc.reasonHas)
			}
			tc.want.Kind, tc.want.Namespace, tc.want.Name = "FlinkDeployment", "ns", "app"
			got.Reason = ""
			if g, w := render(got), render(tc.want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func render(p Prediction) string {
	var b bytes.Buffer
	WritePrediction(&b, p)
	return b.String()
}

func TestPredictSessionJob(t *testing.T) {
	spec := v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{JarURI: "https://x/job.jar", Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint}}
	rec, _ := v1beta1.WriteSpecWithMeta(spec, v1beta1.ReconciliationMetadata{})
	live := &v1beta1.FlinkSessionJob{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "job"}, Spec: spec}
	live.Status.ReconciliationStatus = v1beta1.ReconciliationStatus{LastReconciledSpec: rec, LastStableSpec: rec, State: v1beta1.ReconciliationDeployed}
	live.Status.JobStatus = v1beta1.JobStatus{JobID: "j1", State: "RUNNING"}
	desired := live.DeepCopy()
	desired.Spec.Job.Parallelism = 2
	got, err := PredictSessionJob(live, desired, SessionJobFacts{Options: lifecycle.DefaultOptions(), Now: time.Unix(5000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Action != "savepoint upgrade" || !got.Savepoint || !got.Restart || len(got.RestartChanges) != 1 || got.DowntimeBasis != "no history yet" {
		t.Errorf("session job parallelism change: %+v", got)
	}
}
