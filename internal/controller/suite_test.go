package controller_test

import (
	"context"
	"encoding/json"
	"strings"

	"flag"
	"fmt"
	appsv1 "k8s.io/api/apps/v1"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"weir.dev/weir/internal/flink/artifact"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/operator"
)

// The integration suite runs the real reconcilers against a real etcd and kube-apiserver
// (built from source by `weir local envtest-assets`). There is no kubelet: tests play the
// kubelet's part by writing Deployment status, and a fake Flink REST server stands in for
// the JobManager. Real Flink is exercised by the e2e suite.
var (
	k8s   client.Client
	cfg   *rest.Config
	flink = newFakeFlink()
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Println("integration suite skipped in -short mode")
		return 0
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test-integration`, which builds etcd and kube-apiserver from source")
		return 1
	}
	logf.SetLogger(suiteLogger(zapLevel()))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	var err error
	cfg, err = env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting etcd + kube-apiserver:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	sch := operator.NewScheme()
	k8s, err = client.New(cfg, client.Options{Scheme: sch})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: sch, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := startOperatorConfig(mgr); err != nil { // operator_config_test.go
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The reconcilers are wired by the same Register as the operator binary's.
	if err := operator.Register(mgr, operator.Options{
		Config: opStore, Flink: flink.factory, ArtifactPolicy: new(testArtifactPolicy()),
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	_ = scheme.Scheme
	go playGarbageCollector(ctx)
	return m.Run()
}

// testArtifactPolicy lets the operator download jars over plain http from this machine's
// address, where the tests serve them, as an operator would allow an in-cluster
// repository; the defaults stay https only, no private ranges.
func testArtifactPolicy() artifact.Policy {
	p := artifact.Policy{AllowedSchemes: []string{"https", "http"}}
	if ip := hostIPv4(); ip != "" {
		p.AllowedCIDRs = []netip.Prefix{netip.PrefixFrom(netip.MustParseAddr(ip), 32)}
	}
	return p
}

// hostIPv4 is a non-loopback IPv4 address of this machine: jar servers listen there, as
// the fetcher refuses loopback whatever the policy says.
func hostIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

func zapLevel() zapcore.Level {
	if os.Getenv("WEIR_TEST_VERBOSE") != "" {
		return -1
	}
	return 1 // warnings and errors only
}

// fakeFlink is an httptest Flink REST server whose jobs the tests set per cluster. It
// answers what the controller asks: overview, jobs, stop-with-savepoint, savepoint
// triggers and their status.
type fakeFlink struct {
	mu       sync.Mutex
	srv      *httptest.Server
	jobs     map[string]string   // rest URL (cluster IP) -> job state
	ids      map[string]string   // rest URL -> job id (the fixed id the operator configured)
	restarts map[string]int      // rest URL -> the job's numRestarts metric
	calls    map[string][]string // rest URL -> "METHOD path" of each action call
	polls    map[string]int      // rest URL -> job-list reads: one per reconcile that observes the job
	jobFakes                     // jars, runs, checkpoints, disposal (fakeflink_jobs_test.go)
	hung     map[string]string   // rest URL -> a server that accepts and never answers (scale_test.go)
}

func newFakeFlink() *fakeFlink {
	f := &fakeFlink{jobs: map[string]string{}, ids: map[string]string{}, restarts: map[string]int{}, calls: map[string][]string{}, polls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

const fakeJobID = "0000000000000000000000000000000a"

func (f *fakeFlink) serve(w http.ResponseWriter, r *http.Request) {
	cluster := r.Header.Get("X-Weir-Cluster")
	f.mu.Lock()
	defer f.mu.Unlock()
	state := f.jobs[cluster]
	jobID := f.ids[cluster]
	if jobID == "" {
		jobID = fakeJobID
	}
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	if f.serveJobRoutes(w, r, cluster, jobID) {
		return
	}
	switch {
	case p == "/overview":
		fmt.Fprint(w, `{"taskmanagers":1,"slots-total":2,"slots-available":0,"jobs-running":1,"flink-version":"1.20.3","flink-commit":"abc"}`)
	case p == "/jobs/overview":
		f.polls[cluster]++
		if state == "" {
			fmt.Fprint(w, `{"jobs":[]}`)
			return
		}
		fmt.Fprintf(w, `{"jobs":[{"jid":%q,"name":"job","state":%q,"start-time":1700000000000,"last-modification":1700000001000}]}`, jobID, state)
	case r.Method == http.MethodPost && (p == "/jobs/"+jobID+"/stop" || p == "/jobs/"+jobID+"/savepoints"):
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.calls[cluster] = append(f.calls[cluster], r.Method+" "+p)
		if strings.HasSuffix(p, "/stop") && !f.failSavepoints[cluster] && !f.hangSavepoints[cluster] { // as Flink: a failed (or unfinished) stop leaves the job running
			f.jobs[cluster] = "FINISHED"
		}
		fmt.Fprintf(w, `{"request-id":%q}`, body["triggerId"])
	case p == "/jobs/"+jobID+"/metrics":
		fmt.Fprintf(w, `[{"id":"numRestarts","value":"%d"}]`, f.restarts[cluster])
	case p == "/jobs/"+jobID+"/checkpoints":
		fmt.Fprint(w, `{"counts":{"restored":0,"total":1,"in_progress":0,"completed":1,"failed":0},"latest":{},"history":[]}`)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/savepoints/"):
		tid := strings.TrimPrefix(p, "/jobs/"+jobID+"/savepoints/")
		fmt.Fprintf(w, `{"status":{"id":"COMPLETED"},"operation":{"location":"file:///flink-data/savepoints/savepoint-%s"}}`, tid[:6])
	case r.Method == http.MethodPatch && p == "/jobs/"+jobID:
		f.calls[cluster] = append(f.calls[cluster], r.Method+" "+p)
		f.jobs[cluster] = "CANCELED"
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{}`)
	default:
		http.Error(w, `{"errors":["not found"]}`, http.StatusNotFound)
	}
}

// pollsOf counts the job-list reads a cluster's fake JobManager answered.
func (f *fakeFlink) pollsOf(restURL string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls[restURL]
}

// waitForObservations waits until the operator has observed the cluster's job n more
// times: a "nothing happened" check is only meaningful after reconciles really ran.
func waitForObservations(t *testing.T, restURL string, n int) {
	t.Helper()
	from := flink.pollsOf(restURL)
	waitFor(t, fmt.Sprintf("%d more observations of %s", n, restURL), func() error {
		if got := flink.pollsOf(restURL) - from; got < n {
			return fmt.Errorf("%d so far", got)
		}
		return nil
	})
}

// callsTo lists the action calls a cluster's fake JobManager received.
func (f *fakeFlink) callsTo(restURL string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls[restURL]...)
}

// setJob makes the fake JobManager behind restURL report a job in state.
func (f *fakeFlink) setJob(restURL, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[restURL] = state
}

// setRestarts sets the job's numRestarts metric.
func (f *fakeFlink) setRestarts(restURL string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restarts[restURL] = n
}

// setJobID makes the fake report jobs under id, as real Flink reports the fixed job id
// the operator configured.
func (f *fakeFlink) setJobID(restURL, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids[restURL] = id
}

// holdDeletion is a finalizer a test puts on a Deployment to keep it terminating (the
// garbage collector below leaves it alone) until the test removes it.
const holdDeletion = "test.weir.dev/hold"

// playGarbageCollector finishes foreground deletions, the part of kube-controller-manager
// the integration API server lacks: Deployments being deleted lose their finalizers.
func playGarbageCollector(ctx context.Context) {
	for ctx.Err() == nil {
		deps := &appsv1.DeploymentList{}
		if err := k8s.List(ctx, deps); err == nil {
			for i := range deps.Items {
				d := &deps.Items[i]
				if !d.DeletionTimestamp.IsZero() && len(d.Finalizers) > 0 && !slices.Contains(d.Finalizers, holdDeletion) {
					d.Finalizers = nil
					_ = k8s.Update(ctx, d)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// factory returns a real REST client aimed at the fake server, tagging each request with
// the cluster it was meant for.
func (f *fakeFlink) factory(baseURL string) (flinkrest.API, error) {
	if hung := f.hungTarget(baseURL); hung != "" {
		return flinkrest.New(hung)
	}
	if real := f.realFlink(baseURL); real != "" {
		return flinkrest.New(real)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: tagTransport{cluster: baseURL}}
	return flinkrest.New(f.srv.URL, flinkrest.WithHTTPClient(hc))
}

type tagTransport struct{ cluster string }

func (t tagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Weir-Cluster", t.cluster)
	return http.DefaultTransport.RoundTrip(r)
}
