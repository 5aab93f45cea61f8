package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/opconfig"
)

// step is one status write: after `after` seconds, the app is in state with its job in job.
type step struct {
	after float64
	state v1beta1.ResourceLifecycleState
	job   string
}

const (
	cr  = v1beta1.LifecycleCreated
	up  = v1beta1.LifecycleUpgrading
	dp  = v1beta1.LifecycleDeployed
	st  = v1beta1.LifecycleStable
	sus = v1beta1.LifecycleSuspended
	rb  = v1beta1.LifecycleRollingBack
	rbd = v1beta1.LifecycleRolledBack
)

func TestLifecycleTrackMeasuresStatesTransitionsAndDowntime(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []step // the first one starts the track
		want  []string
	}{
		{"first deployment: submission and stabilization, no downtime (never ran)",
			[]step{{0, cr, ""}, {1, up, ""}, {3, dp, "RECONCILING"}, {6, dp, "RUNNING"}, {16, st, "RUNNING"}},
			[]string{"state CREATED 1", "state UPGRADING 2", "transition Submission 2", "state DEPLOYED 13", "transition Stabilization 13"}},
		{"upgrade of a stable job: its downtime runs from stop to RUNNING",
			[]step{{0, st, "RUNNING"}, {100, up, "RUNNING"}, {102, up, "FINISHED"}, {110, dp, "RECONCILING"}, {115, dp, "RUNNING"}, {130, st, "RUNNING"}},
			[]string{"state STABLE 100", "state UPGRADING 10", "transition Submission 10", "downtime 13", "state DEPLOYED 20", "transition Upgrade 30", "transition Stabilization 20"}},
		{"suspend and resume: the suspended time is no rollout downtime",
			[]step{{0, st, "RUNNING"}, {10, up, "RUNNING"}, {12, sus, "FINISHED"}, {500, up, "FINISHED"}, {505, dp, "RECONCILING"}, {510, dp, "RUNNING"}, {520, st, "RUNNING"}},
			[]string{"state STABLE 10", "state UPGRADING 2", "transition Suspend 2", "state SUSPENDED 488", "state UPGRADING 5", "transition Submission 5", "state DEPLOYED 15", "transition Resume 20", "transition Stabilization 15"}},
		{"rollback: from deployed to rolled back",
			[]step{{0, st, "RUNNING"}, {1, up, "RUNNING"}, {2, dp, "FAILED"}, {62, rb, "FAILED"}, {70, rbd, "RUNNING"}},
			[]string{"state STABLE 1", "state UPGRADING 1", "transition Submission 1", "state DEPLOYED 60", "state ROLLING_BACK 8", "transition Submission 8", "transition Rollback 68", "downtime 68"}},
		{"a job restarting by itself while stable is no rollout",
			[]step{{0, st, "RUNNING"}, {5, st, "RESTARTING"}, {9, st, "RUNNING"}},
			nil},
		{"the same state written again measures nothing",
			[]step{{0, st, "RUNNING"}, {5, st, "RUNNING"}},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t0 := time.Unix(1_700_000_000, 0)
			at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
			tr := newLifecycleTrack(c.steps[0].state, c.steps[0].job, at(c.steps[0].after))
			var got []string
			for _, s := range c.steps[1:] {
				for _, o := range tr.update(s.state, s.job, at(s.after)) {
					got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s", o.kind, o.name))+fmt.Sprintf(" %g", o.seconds))
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestMetricsSettings(t *testing.T) {
	on := metricsSettings{resources: true, lifecycle: true, namespaceHistograms: true, perResource: true}
	for _, c := range []struct {
		conf map[string]string
		want metricsSettings
	}{
		{nil, on},
		{map[string]string{opconfig.ResourceMetricsEnabled: "false"}, metricsSettings{lifecycle: true, namespaceHistograms: true, perResource: true}},
		{map[string]string{opconfig.LifecycleNamespaceHistos: " false ", opconfig.PerResourceMetricsEnabled: "FALSE"}, metricsSettings{resources: true, lifecycle: true}},
		{map[string]string{opconfig.LifecycleMetricsEnabled: "nope"}, on}, // malformed keeps the default
	} {
		if got := metricsSettingsOf(opconfig.New(c.conf)); got != c.want {
			t.Errorf("%v: got %+v, want %+v", c.conf, got, c.want)
		}
	}
}

func TestAppMetricsCountAndNameResources(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	five, seven := int64(5), 7*time.Second
	views := []appView{
		{key: appKey{"FlinkDeployment", "a", "one"}, lifecycle: st, job: "RUNNING", jobManager: v1beta1.JMReady,
			checkpointMillis: now.Add(-30 * time.Second).UnixMilli(), savepointMillis: now.Add(-time.Hour).UnixMilli(), restarts: &five},
		{key: appKey{"FlinkDeployment", "a", "two"}, lifecycle: up, job: "made-up state", jobManager: v1beta1.JMDeploying, hasError: true},
		{key: appKey{"FlinkSessionJob", "b", "three"}, lifecycle: sus, job: "FINISHED", lastDowntime: &seven},
	}
	series := func(perResource bool) map[string]float64 {
		out := map[string]float64{}
		for _, m := range appMetrics(views, now, perResource) {
			g := prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, m.value, m.labels...)
			var pb dto.Metric
			if err := g.Write(&pb); err != nil {
				t.Fatal(err)
			}
			var ls []string
			for _, l := range pb.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			name := m.desc.String()
			name = name[strings.Index(name, `"`)+1:]
			name = name[:strings.Index(name, `"`)]
			out[name+"{"+strings.Join(ls, ",")+"}"] = pb.GetGauge().GetValue()
		}
		return out
	}
	all := series(true)
	for k, want := range map[string]float64{
		"weir_resources{kind=FlinkDeployment,lifecycle_state=STABLE,namespace=a}":                  1,
		"weir_resources{kind=FlinkDeployment,lifecycle_state=UPGRADING,namespace=a}":               1,
		"weir_resources{kind=FlinkDeployment,lifecycle_state=FAILED,namespace=a}":                  0,
		"weir_resources{kind=FlinkSessionJob,lifecycle_state=SUSPENDED,namespace=b}":               1,
		"weir_resources_by_job_status{job_status=RUNNING,kind=FlinkDeployment,namespace=a}":        1,
		"weir_resources_by_job_status{job_status=UNKNOWN,kind=FlinkDeployment,namespace=a}":        1,
		"weir_resources_by_job_status{job_status=FINISHED,kind=FlinkSessionJob,namespace=b}":       1,
		"weir_flinkdeployments_by_jobmanager_status{namespace=a,status=READY}":                     1,
		"weir_flinkdeployments_by_jobmanager_status{namespace=a,status=DEPLOYING}":                 1,
		"weir_resources_with_error{kind=FlinkDeployment,namespace=a}":                              1,
		"weir_resources_with_error{kind=FlinkSessionJob,namespace=b}":                              0,
		"weir_resource_last_checkpoint_age_seconds{kind=FlinkDeployment,name=one,namespace=a}":     30,
		"weir_resource_last_savepoint_age_seconds{kind=FlinkDeployment,name=one,namespace=a}":      3600,
		"weir_resource_job_restarts{kind=FlinkDeployment,name=one,namespace=a}":                    5,
		"weir_resource_last_rollout_downtime_seconds{kind=FlinkSessionJob,name=three,namespace=b}": 7,
	} {
		if got, ok := all[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	if _, ok := all["weir_flinkdeployments_by_jobmanager_status{namespace=b,status=READY}"]; ok {
		t.Error("a namespace without FlinkDeployments got JobManager counts")
	}
	for k := range series(false) {
		if strings.Contains(k, "name=") {
			t.Errorf("per-resource series with the switch off: %s", k)
		}
	}
}
