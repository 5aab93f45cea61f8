package obslocal_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"weir.dev/weir/internal/obslocal"
	"weir.dev/weir/internal/operator"
	"weir.dev/weir/internal/testenv"
)

// The metrics server, with the scrape config `weir local up --with observability` writes,
// finds an annotated pod through the API server and scrapes it with its namespace, pod, app
// and component labels; and it scrapes the operator's authenticated HTTPS /metrics (served
// with the operator's own options: TokenReview + SubjectAccessReview) through the Service
// weir-operator-metrics with the scraper token and RBAC the platform creates.
func TestMetricsServerScrapesAnnotatedPodsAndTheOperator(t *testing.T) {
	enabled(t)
	bin := ensureBinaries(t)
	env := controlPlane(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	if err := obslocal.Apply(ctx, cs, obslocal.NewObjects()); err != nil {
		t.Fatal(err)
	}
	if err := obslocal.Apply(ctx, cs, obslocal.NewObjects()); err != nil {
		t.Fatalf("a second apply (a later `up`) failed: %v", err)
	}
	dir := t.TempDir()
	token := filepath.Join(dir, "scraper.token")
	if err := obslocal.WriteScraperToken(ctx, cs, token); err != nil {
		t.Fatal(err)
	}
	ip := hostIP(t)

	// A workload's /metrics, plain HTTP.
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "weir_obs_it_requests_total", Help: "test"})
	reg.MustRegister(requests)
	requests.Add(3)
	podAddr := listen(t, ip)
	podSrv := &http.Server{Addr: podAddr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = podSrv.ListenAndServe() }()
	t.Cleanup(func() { _ = podSrv.Close() })
	_, podPort, _ := net.SplitHostPort(podAddr)

	// The operator's /metrics, served as the operator serves it.
	opCounter := prometheus.NewCounter(prometheus.CounterOpts{Name: "weir_obs_it_operator_total", Help: "test"})
	crmetrics.Registry.MustRegister(opCounter)
	t.Cleanup(func() { crmetrics.Registry.Unregister(opCounter) })
	opCounter.Add(5)
	opAddr := listen(t, ip)
	opts, err := operator.MetricsOptions(operator.Options{MetricsAddr: opAddr})
	if err != nil {
		t.Fatal(err)
	}
	httpClient, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	opSrv, err := metricsserver.NewServer(opts, env.Config, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = opSrv.Start(ctx) }()
	_, opPortStr, _ := net.SplitHostPort(opAddr)
	opPort, _ := strconv.Atoi(opPortStr)

	for _, ns := range []string{"obs", "weir-system"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	runningPod(t, cs, ip, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "obs", Name: "demo-jm",
		Labels:      map[string]string{"app": "demo", "component": "jobmanager"},
		Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": podPort}}})
	// Not annotated: never scraped.
	runningPod(t, cs, ip, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "obs", Name: "quiet", Labels: map[string]string{"app": "quiet"}}})
	// The operator pod carries the chart's annotations, https among them: the pods job leaves it
	// to the operator job, so its token never goes to a workload's port.
	runningPod(t, cs, ip, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "weir-system", Name: "weir-operator-0",
		Labels:      map[string]string{"app.kubernetes.io/name": "weir-operator"},
		Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": opPortStr, "prometheus.io/scheme": "https"}}})
	if _, err := cs.CoreV1().Services("weir-system").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: obslocal.OperatorMetricsService},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app.kubernetes.io/name": "weir-operator"},
			Ports: []corev1.ServicePort{{Name: obslocal.OperatorMetricsPort, Port: 8443}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.DiscoveryV1().EndpointSlices("weir-system").Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "weir-operator-metrics-x", Labels: map[string]string{discoveryv1.LabelServiceName: obslocal.OperatorMetricsService}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "weir-system", Name: "weir-operator-0"}}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To(obslocal.OperatorMetricsPort), Port: ptr.To(int32(opPort))}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	scrape, err := obslocal.ScrapeConfig(obslocal.ScrapeOptions{Kubeconfig: readerKubeconfig(t, env), TokenFile: token, Interval: "1s"})
	if err != nil {
		t.Fatal(err)
	}
	scrapePath := filepath.Join(dir, "scrape.yaml")
	if err := os.WriteFile(scrapePath, scrape, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := listen(t, "127.0.0.1")
	vm := start(t, "victoria-metrics", bin["victoria-metrics"], baseURL(addr), obslocal.MetricsArgs(addr, filepath.Join(dir, "data"), scrapePath), nil)
	c := &obslocal.Client{MetricsURL: baseURL(addr), HTTP: &http.Client{Timeout: 10 * time.Second}}
	poll := testenv.Poll{Limit: 2 * time.Minute, Diagnose: func() string { return vm.tail() + "\nscrape config:\n" + string(scrape) }}

	testenv.Eventually(t, "the annotated pod's counter with its labels", poll, func() error {
		s, err := one(c.QueryMetrics(ctx, "weir_obs_it_requests_total"))
		if err != nil {
			return err
		}
		if s.Value != 3 {
			return fmt.Errorf("value %v, want 3", s.Value)
		}
		return wantLabels(s.Labels, map[string]string{"job": obslocal.JobPods, "namespace": "obs", "pod": "demo-jm", "app": "demo", "component": "jobmanager"})
	})
	testenv.Eventually(t, "the operator's counter through its authenticated endpoint", poll, func() error {
		s, err := one(c.QueryMetrics(ctx, "weir_obs_it_operator_total"))
		if err != nil {
			return err
		}
		if s.Value != 5 {
			return fmt.Errorf("value %v, want 5", s.Value)
		}
		return wantLabels(s.Labels, map[string]string{"job": obslocal.JobOperator, "namespace": "weir-system", "pod": "weir-operator-0"})
	})
	// The pods job has exactly one target: neither the quiet pod nor the operator's.
	ups, err := c.QueryMetrics(ctx, `up{job="`+obslocal.JobPods+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].Labels["pod"] != "demo-jm" || ups[0].Value != 1 {
		t.Fatalf("pods job targets: %v, want only demo-jm, up", ups)
	}
}

// runningPod creates p with one container and marks it Running at ip, as a kubelet would.
func runningPod(t *testing.T, cs kubernetes.Interface, ip string, p *corev1.Pod) {
	t.Helper()
	ctx := context.Background()
	p.Spec.Containers = []corev1.Container{{Name: "main", Image: "example.invalid/main:1"}}
	created, err := cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}}
	if _, err := cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
