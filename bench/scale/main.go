// Command scale measures one weir operator serving many FlinkDeployments: it starts a real
// etcd + kube-apiserver (no kubelet), runs bin/weir-operator as a subprocess against it,
// creates N FlinkDeployments whose JobManagers never answer, and prints how fast every app
// gets its objects, the operator's memory, CPU and API requests, and how fresh each app's
// observation stays, beside the targets.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/examples"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/testenv"
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tmp, err := os.MkdirTemp("", "weir-bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	cp, err := testenv.StartControlPlane(f.crds, f.assets)
	if err != nil {
		return err
	}
	defer cp.Stop()
	k8s := cp.Client
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return err
	}

	logPath := f.keep
	if logPath == "" {
		logPath = filepath.Join(tmp, "operator.log")
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	deadFlink, err := testenv.DeadJobManagers(ctx, f.flink)
	if err != nil {
		return err
	}
	args := append([]string{"--reconcile-parallelism=" + strconv.Itoa(f.parallelism)}, strings.Fields(f.opArgs)...)
	op := testenv.NewOperator(f.operatorBin, cp.Kubeconfig, deadFlink, logf, args...)
	if err := op.Start(ctx); err != nil {
		return fmt.Errorf("%w (log %s)", err, logPath)
	}
	defer op.Stop()
	pid := op.Pid()
	metricsURL := op.MetricsURL
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
		if err := testenv.CreateNamespace(ctx, k8s, nsName(i)); err != nil {
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
	if err := k8s.Create(ctx, examples.Basic(late.ns, late.name)); err != nil {
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
				if err := k8s.Create(ctx, examples.Basic(k.ns, k.name)); err != nil {
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

// markReady reports each JobManager Deployment it is handed ready.
func markReady(ctx context.Context, k8s client.Client, in <-chan *appsv1.Deployment) {
	for d := range in {
		if ctx.Err() != nil {
			return
		}
		_ = testenv.MarkReady(ctx, k8s, d)
	}
}
