// Command scale measures one weir operator serving many FlinkDeployments: it starts a real
// etcd + kube-apiserver (no kubelet), runs bin/weir-operator as a subprocess against it,
// creates N FlinkDeployments whose JobManagers never answer, and prints how fast every app
// gets its objects, the operator's memory, CPU and API requests, and how fresh each app's
// observation stays, beside the targets.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/operator"
)

type flags struct {
	n, namespaces, parallelism int
	operatorBin, assets, crds  string
	steady, settle             time.Duration
	jmReady                    bool
	keep, flink, opArgs        string
}

func main() {
	var f flags
	flag.IntVar(&f.n, "n", 1000, "FlinkDeployments to create")
	flag.IntVar(&f.namespaces, "namespaces", 10, "namespaces to spread them over")
	flag.IntVar(&f.parallelism, "parallelism", controller.DefaultParallelism, "the operator's --reconcile-parallelism")
	flag.StringVar(&f.operatorBin, "operator", "bin/weir-operator", "operator binary")
	flag.StringVar(&f.assets, "assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory with etcd and kube-apiserver (`bin/weir local envtest-assets`)")
	flag.StringVar(&f.crds, "crds", "config/crd", "CRD directory")
	flag.DurationVar(&f.steady, "steady", 5*time.Minute, "steady-state window measured after every app has its objects")
	flag.DurationVar(&f.settle, "settle", 30*time.Second, "wait between the last app's objects and the steady-state window")
	flag.BoolVar(&f.jmReady, "jm-ready", true, "play the kubelet: report each JobManager Deployment ready, so the operator asks its (unreachable) REST API")
	flag.StringVar(&f.keep, "log", "", "keep the operator's log in this file")
	flag.StringVar(&f.opArgs, "operator-args", "", "more operator flags, space-separated (e.g. \"--kube-api-qps=400\")")
	flag.StringVar(&f.flink, "flink", "hang", "how the JobManagers fail: hang (accept, never answer: every attempt times out) or refuse (connection refused)")
	flag.Parse()
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	if f.assets == "" {
		return errors.New("set --assets or KUBEBUILDER_ASSETS (bin/weir local envtest-assets)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tmp, err := os.MkdirTemp("", "weir-bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	env := &envtest.Environment{CRDDirectoryPaths: []string{f.crds}, ErrorIfCRDPathMissing: true, BinaryAssetsDirectory: f.assets}
	// envtest's /24 holds only 254 ClusterIPs; every app has a rest Service.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.96.0.0/12")
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting etcd + kube-apiserver: %w", err)
	}
	defer func() { _ = env.Stop() }()
	user, err := env.AddUser(envtest.User{Name: "weir-operator", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(tmp, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	k8s, err := client.New(cfg, client.Options{Scheme: operator.NewScheme()})
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}

	// The operator, as a process of its own so that its RSS and CPU are its own.
	mport, pport := freePort(), freePort()
	logPath := f.keep
	if logPath == "" {
		logPath = filepath.Join(tmp, "operator.log")
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"--metrics-insecure", "--metrics-bind-address=127.0.0.1:" + mport, "--health-probe-bind-address=127.0.0.1:" + pport,
		"--reconcile-parallelism=" + strconv.Itoa(f.parallelism)}
	op := exec.Command(f.operatorBin, append(args, strings.Fields(f.opArgs)...)...)
	// Flink REST calls go to the rest Services' cluster IPs, which nothing serves here. The
	// operator's HTTP proxy setting sends them to a local port that never answers (or
	// refuses), so they fail as they would against dead JobManagers and never leave the
	// host; API server calls go to loopback, which Go never proxies.
	deadFlink, err := deadJobManagers(ctx, f.flink)
	if err != nil {
		return err
	}
	op.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HTTP_PROXY="+deadFlink, "http_proxy="+deadFlink, "NO_PROXY=", "no_proxy=")
	op.Stdout, op.Stderr = logf, logf
	if err := op.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", f.operatorBin, err)
	}
	defer func() { _ = op.Process.Signal(syscall.SIGTERM); _ = op.Wait() }()
	pid := op.Process.Pid
	if err := waitHTTP(ctx, "http://127.0.0.1:"+pport+"/readyz", time.Minute); err != nil {
		return fmt.Errorf("operator not ready (log %s): %w", logPath, err)
	}
	metricsURL := "http://127.0.0.1:" + mport + "/metrics"
	time.Sleep(5 * time.Second)
	r := &report{n: f.n, steady: f.steady}
	r.rssIdle = rss(pid)
	go samplePeak(ctx, pid, &r.rssPeak)

	apps := newTracker()
	ready := make(chan *appsv1.Deployment, 4096)
	watchObjects(ctx, cs, apps, ready, f.jmReady)
	if f.jmReady {
		for range 8 {
			go markReady(ctx, k8s, ready)
		}
	}

	for i := range f.namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(i)}}
		if err := k8s.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	fmt.Printf("creating %d FlinkDeployments over %d namespaces (reconcile parallelism %d, JobManagers %s)\n", f.n, f.namespaces, f.parallelism, f.flink)
	start := time.Now()
	if err := createApps(ctx, k8s, apps, f); err != nil {
		return err
	}
	fmt.Printf("created in %s; waiting for every app's objects\n", time.Since(start).Round(time.Millisecond))
	if err := apps.waitAll(ctx, f.n, 15*time.Minute); err != nil {
		return err
	}
	r.objects = apps.latencies()
	fmt.Printf("every app has its objects after %s; settling %s\n", time.Since(start).Round(time.Second), f.settle)
	time.Sleep(f.settle)

	// Steady state: requests and CPU over the window, one new app in its middle.
	req0, err := scrapeSum(metricsURL, "rest_client_requests_total")
	if err != nil {
		return err
	}
	cpu0, t0 := cpuSeconds(pid), time.Now()
	time.Sleep(f.steady / 2)
	late := key{ns: nsName(0), name: "late-app"}
	apps.created(late, time.Now())
	if err := k8s.Create(ctx, app(late.ns, late.name)); err != nil {
		return err
	}
	if err := apps.waitOne(ctx, late, 5*time.Minute); err != nil {
		return err
	}
	r.lateApp = apps.latency(late)
	time.Sleep(time.Until(t0.Add(f.steady)))
	req1, err := scrapeSum(metricsURL, "rest_client_requests_total")
	if err != nil {
		return err
	}
	window := time.Since(t0)
	r.cpuSteady = cpuSeconds(pid) - cpu0
	r.cpuTotal = cpuSeconds(pid)
	r.window = window
	r.reqPerAppMin = (req1 - req0) / float64(f.n+1) / window.Minutes()
	r.rssSteady = rss(pid)
	ages, err := scrape(metricsURL, "weir_flinkdeployment_observation_age_seconds")
	if err != nil {
		return err
	}
	r.ageP50, r.ageMax = ages[`quantile="0.5"`], ages[`quantile="1"`]
	r.ageCount = ages["_count"]
	unreach, _ := scrape(metricsURL, "weir_flinkdeployment_jobmanager_unreachable")
	r.unreachable = unreach[""]
	r.load = loadavg()
	r.print(os.Stdout)
	return nil
}

func nsName(i int) string { return fmt.Sprintf("bench-%d", i) }

// appYAML is FKO's basic example (examples/basic.yaml), written as YAML so the bench does
// not depend on the shape of the Go types.
const appYAML = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
spec:
  image: flink:1.20
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  serviceAccount: flink
  jobManager:
    resource: {memory: "2048m", cpu: 1}
  taskManager:
    resource: {memory: "2048m", cpu: 1}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
`

func app(ns, name string) *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.Unmarshal([]byte(appYAML), d); err != nil {
		panic(err) // a constant
	}
	d.Name, d.Namespace = name, ns
	return d
}

func createApps(ctx context.Context, k8s client.Client, apps *tracker, f flags) error {
	work := make(chan key)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				apps.created(k, time.Now())
				if err := k8s.Create(ctx, app(k.ns, k.name)); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range f.n {
		work <- key{ns: nsName(i % f.namespaces), name: fmt.Sprintf("app-%04d", i)}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// markReady plays the kubelet for JobManager Deployments: their pods are reported ready,
// so the operator goes on to ask the (unreachable) Flink REST API.
func markReady(ctx context.Context, k8s client.Client, in <-chan *appsv1.Deployment) {
	for d := range in {
		if ctx.Err() != nil {
			return
		}
		before := d.DeepCopy()
		d.Status.ObservedGeneration = d.Generation
		d.Status.Replicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UpdatedReplicas = 1, 1, 1, 1
		_ = k8s.Status().Patch(ctx, d, client.MergeFrom(before))
	}
}

// deadJobManagers returns a proxy URL whose listener accepts connections and never answers
// (hang), or at which nothing listens (refuse).
func deadJobManagers(ctx context.Context, mode string) (string, error) {
	switch mode {
	case "refuse":
		return "http://127.0.0.1:" + freePort(), nil
	case "hang":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		go func() { <-ctx.Done(); l.Close() }()
		go func() {
			var held []net.Conn // keep them open: the client must time out
			for {
				c, err := l.Accept()
				if err != nil {
					for _, c := range held {
						c.Close()
					}
					return
				}
				held = append(held, c)
				if len(held) > 4096 { // the client closed the old ones long ago
					held[0].Close()
					held = held[1:]
				}
			}
		}()
		return "http://" + l.Addr().String(), nil
	default:
		return "", fmt.Errorf("--flink %q: want hang or refuse", mode)
	}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func waitHTTP(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get(url) //nolint:gosec // a loopback URL the bench built
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %s", url, within)
}

// loadavg returns /proc/loadavg's first three fields.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// scrapeSum sums every sample of a counter on a Prometheus text endpoint.
func scrapeSum(url, name string) (float64, error) {
	m, err := scrape(url, name)
	var s float64
	for _, v := range m {
		s += v
	}
	return s, err
}

// scrape returns the samples of one metric family keyed by their label text ("" for none;
// a summary's _count and _sum keyed so).
func scrape(url, name string) (map[string]float64, error) {
	resp, err := http.Get(url) //nolint:gosec // a loopback URL the bench built
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		sp := strings.LastIndexByte(rest, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(rest[sp+1:], 64)
		if err != nil {
			continue
		}
		lbl := strings.TrimSpace(rest[:sp])
		switch {
		case strings.HasPrefix(lbl, "{"):
			lbl = strings.TrimSuffix(strings.TrimPrefix(lbl, "{"), "}")
		case lbl == "_count" || lbl == "_sum" || lbl == "":
		default:
			continue // another family sharing the prefix
		}
		out[lbl] = v
	}
	return out, sc.Err()
}
