package controller_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// metricsScraper reads the operator's /metrics as Prometheus does: over HTTPS, with the
// token of a ServiceAccount bound to the chart's metrics-reader rule.
type metricsScraper struct {
	addr, token string
}

// startMetricsEndpoint serves the process's metrics registry (where the suite's manager
// registered weir's collectors) with the options NewManager uses.
func startMetricsEndpoint(t *testing.T) *metricsScraper {
	t.Helper()
	ctx := context.Background()
	addr := serveMetrics(t)
	ns := newNamespace(t)
	reader := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "weir-metrics-scraper-" + ns},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "prometheus"}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: reader.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: reader.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: sa.Name}}}
	for _, o := range []client.Object{reader, sa, binding} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), binding)
		_ = k8s.Delete(context.Background(), reader)
	})
	s := &metricsScraper{addr: addr, token: tokenFor(t, sa)}
	waitFor(t, "metrics endpoint serving the reader", func() error {
		_, err := s.scrape()
		return err
	})
	return s
}

func (s *metricsScraper) scrape() (map[string]*dto.MetricFamily, error) {
	req, _ := http.NewRequest(http.MethodGet, "https://"+s.addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	// The certificate is self-signed; metrics_auth_test.go covers who may read.
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sample finds the series of family name with exactly these labels; a histogram answers
// its sample count.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// The operator's metrics, scraped like Prometheus over authenticated HTTPS, agree with the
// resources in the API server: counts by lifecycle and job state for both kinds, the
// lifecycle histograms and rollout downtime of an upgrade, the per-resource gauges, and the
// Flink REST calls by operation; no label carries an id.
func TestMetricsEndpointReportsResourcesAndTheirLifecycle(t *testing.T) {
	t.Parallel()
	scraper := startMetricsEndpoint(t)

	// nsA: one app through a savepoint upgrade, with the health check sampling restarts.
	nsA := newNamespace(t)
	name, url := startStableWith(t, nsA, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
		map[string]string{"kubernetes.operator.cluster.health-check.enabled": "true"})
	flink.setRestarts(url, 2)
	updateSpec(t, nsA, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	waitFor(t, "the upgraded JobManager", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: nsA, Name: name}, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})
	flink.setJobID(url, confValue(flinkConf(t, nsA, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, nsA, name)
	waitForLifecycle(t, nsA, name, v1beta1.LifecycleStable)

	// nsB: an app whose JobManager never gets ready, and a session cluster with a job.
	nsB := newNamespace(t)
	stuck := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	stuck.Namespace, stuck.Name = nsB, "stuck"
	if err := k8s.Create(context.Background(), stuck); err != nil {
		t.Fatal(err)
	}
	session, _ := startSession(t, nsB)
	newSessionJob(t, nsB, session, serveJar(t), v1beta1.UpgradeModeStateless)

	var fams map[string]*dto.MetricFamily
	waitFor(t, "metrics agreeing with the API server", func() error {
		var err error
		if fams, err = scraper.scrape(); err != nil {
			return err
		}
		// The health check samples every quarter of its window, not every loop.
		app := map[string]string{"kind": "FlinkDeployment", "namespace": nsA, "name": name}
		if got, _ := sample(fams, "weir_resource_job_restarts", app); got != 2 {
			return fmt.Errorf("weir_resource_job_restarts%v = %v, the next health sample is not taken yet", app, got)
		}
		return countsAgree(fams, nsA, nsB)
	})

	a := map[string]string{"kind": "FlinkDeployment", "namespace": nsA}
	app := map[string]string{"kind": "FlinkDeployment", "namespace": nsA, "name": name}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	// One upgrade: STABLE left once, one Upgrade transition, one rollout downtime.
	for _, c := range []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"weir_lifecycle_state_seconds", with(a, "state", "STABLE"), 1},
		{"weir_lifecycle_transition_seconds", with(a, "transition", "Upgrade"), 1},
		{"weir_rollout_downtime_seconds", a, 1},
		{"weir_resource_job_restarts", app, 2},
	} {
		if got, ok := sample(fams, c.family, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.family, c.labels, got, ok, c.want)
		}
	}
	if got, ok := sample(fams, "weir_lifecycle_transition_seconds", with(a, "transition", "Stabilization")); !ok || got < 1 {
		t.Errorf("no Stabilization recorded: %v %v", got, ok)
	}
	if d, ok := sample(fams, "weir_resource_last_rollout_downtime_seconds", app); !ok || d <= 0 {
		t.Errorf("last rollout downtime %v (present %v)", d, ok)
	}
	d := getDeployment(t, nsA, name)
	sp := d.Status.JobStatus.SavepointInfo.SavepointHistory[0].TimeStamp
	if age, ok := sample(fams, "weir_resource_last_savepoint_age_seconds", app); !ok || age < 0 || age > time.Since(time.UnixMilli(sp)).Seconds() {
		t.Errorf("savepoint age %v (present %v); the savepoint is %s old now", age, ok, time.Since(time.UnixMilli(sp)))
	}
	if n, ok := sample(fams, "weir_flink_rest_request_duration_seconds", map[string]string{"operation": "POST /jobs/:jobid/stop"}); !ok || n < 1 {
		t.Errorf("no stop-with-savepoint call timed: %v %v", n, ok)
	}
	if _, ok := fams["controller_runtime_reconcile_time_seconds"]; !ok {
		t.Error("controller-runtime's reconcile metrics are missing")
	}

	// Cardinality: besides name on per-resource series, no weir_ label carries an id or a name.
	id := regexp.MustCompile(`[0-9a-f]{32}`)
	for fname, f := range fams {
		if !strings.HasPrefix(fname, "weir_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "name" {
					continue
				}
				if id.MatchString(l.GetValue()) || l.GetValue() == name || l.GetValue() == "stuck" {
					t.Errorf("%s has an unbounded label %s=%q", fname, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// countsAgree compares the lifecycle and job state counts of both namespaces with the
// resources' status as the API server has it.
func countsAgree(fams map[string]*dto.MetricFamily, namespaces ...string) error {
	ctx := context.Background()
	for _, ns := range namespaces {
		want := map[[2]string]int{} // kind, lifecycle -> count
		wantJob := map[[2]string]int{}
		var deps v1beta1.FlinkDeploymentList
		var jobs v1beta1.FlinkSessionJobList
		if err := k8s.List(ctx, &deps, client.InNamespace(ns)); err != nil {
			return err
		}
		if err := k8s.List(ctx, &jobs, client.InNamespace(ns)); err != nil {
			return err
		}
		add := func(kind string, st v1beta1.CommonStatus) {
			lc, job := string(st.LifecycleState), st.JobStatus.State
			if lc == "" {
				lc = "CREATED"
			}
			if job == "" {
				job = "UNKNOWN"
			}
			want[[2]string{kind, lc}]++
			wantJob[[2]string{kind, job}]++
		}
		for _, d := range deps.Items {
			add("FlinkDeployment", d.Status.CommonStatus)
		}
		for _, j := range jobs.Items {
			add("FlinkSessionJob", j.Status.CommonStatus)
		}
		for k, n := range want {
			got, ok := sample(fams, "weir_resources", map[string]string{"kind": k[0], "namespace": ns, "lifecycle_state": k[1]})
			if !ok || got != float64(n) {
				return fmt.Errorf("weir_resources{%s,%s,%s} = %v (present %v), the API server has %d", k[0], ns, k[1], got, ok, n)
			}
		}
		for k, n := range wantJob {
			got, ok := sample(fams, "weir_resources_by_job_status", map[string]string{"kind": k[0], "namespace": ns, "job_status": k[1]})
			if !ok || got != float64(n) {
				return fmt.Errorf("weir_resources_by_job_status{%s,%s,%s} = %v (present %v), the API server has %d", k[0], ns, k[1], got, ok, n)
			}
		}
		if len(jobs.Items) > 0 && wantJob[[2]string{"FlinkSessionJob", "UNKNOWN"}] > 0 {
			return fmt.Errorf("the session job in %s is not observed yet", ns)
		}
	}
	return nil
}

// The metric switches of the operator config apply at once, without a restart: the
// namespace of lifecycle histograms, the per-resource series, all resource metrics. Not
// parallel: it rewrites the operator config the parallel tests read.
func TestMetricsSwitchesOfTheOperatorConfig(t *testing.T) {
	scraper := startMetricsEndpoint(t)
	ns := newNamespace(t)
	name, _ := startStableWith(t, ns, "basic.yaml", "", map[string]string{"kubernetes.operator.cluster.health-check.enabled": "true"})
	app := map[string]string{"kind": "FlinkDeployment", "namespace": ns, "name": name}
	t.Cleanup(func() { writeOperatorConfig(t, "") })
	scrapeUntil := func(what string, ok func(map[string]*dto.MetricFamily) error) {
		t.Helper()
		waitFor(t, what, func() error {
			fams, err := scraper.scrape()
			if err != nil {
				return err
			}
			return ok(fams)
		})
	}
	scrapeUntil("the app's restarts series", func(fams map[string]*dto.MetricFamily) error {
		if _, ok := sample(fams, "weir_resource_job_restarts", app); !ok {
			return fmt.Errorf("no weir_resource_job_restarts%v", app)
		}
		return nil
	})

	writeOperatorConfig(t, "kubernetes.operator.resource.lifecycle.namespace.histograms.enabled: false\n")
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	waitForLifecycle(t, ns, name, v1beta1.LifecycleSuspended)
	scrapeUntil("a Suspend without namespace", func(fams map[string]*dto.MetricFamily) error {
		n, ok := sample(fams, "weir_lifecycle_transition_seconds", map[string]string{"kind": "FlinkDeployment", "namespace": "", "transition": "Suspend"})
		if !ok || n < 1 {
			return fmt.Errorf("weir_lifecycle_transition_seconds{namespace=\"\",transition=Suspend} = %v (present %v)", n, ok)
		}
		if _, ok := sample(fams, "weir_lifecycle_transition_seconds", map[string]string{"kind": "FlinkDeployment", "namespace": ns, "transition": "Suspend"}); ok {
			return fmt.Errorf("the Suspend was recorded under namespace %s too", ns)
		}
		return nil
	})

	writeOperatorConfig(t, "kubernetes.operator.weir.metrics.per-resource.enabled: false\n")
	fams, err := scraper.scrape()
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := sample(fams, "weir_resources", map[string]string{"kind": "FlinkDeployment", "namespace": ns, "lifecycle_state": "SUSPENDED"}); !ok || n != 1 {
		t.Errorf("counts without per-resource series: weir_resources{SUSPENDED} = %v (present %v)", n, ok)
	}
	for fname, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.HasPrefix(fname, "weir_") && l.GetName() == "name" {
					t.Errorf("per-resource series %s with the switch off", fname)
				}
			}
		}
	}

	writeOperatorConfig(t, "kubernetes.operator.resource.metrics.enabled: false\n")
	if fams, err = scraper.scrape(); err != nil {
		t.Fatal(err)
	}
	if _, ok := fams["weir_resources"]; ok {
		t.Error("weir_resources with resource metrics off")
	}
	if _, ok := fams["controller_runtime_reconcile_total"]; !ok {
		t.Error("the operator's own metrics went with the resource metrics")
	}
}
