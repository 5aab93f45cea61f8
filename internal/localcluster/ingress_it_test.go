package localcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// TestTraefikRoutesWeirIngress runs the real Traefik binary (from the build cache) against a
// real API server, as the local cluster runs it: the configuration TraefikConfig renders,
// credentials of the user the ingress RBAC binds, the IngressClass `up` creates. It then
// routes an app's Ingress and rest Service, both from weir's builder, to an HTTP server
// standing in for the JobManager. Run by `make test-ingress`.
func TestTraefikRoutesWeirIngress(t *testing.T) {
	if os.Getenv("WEIR_INGRESS_IT") == "" {
		t.Skip("set WEIR_INGRESS_IT=1 (make test-ingress) to run Traefik against a real API server")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test-ingress`")
	}
	traefik := traefikBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting etcd + kube-apiserver: %v", err)
	}
	defer func() { _ = env.Stop() }()
	cs := kubernetes.NewForConfigOrDie(cfg)
	if err := ApplyIngressObjects(ctx, cs, NewIngressObjects(ingressUser)); err != nil {
		t.Fatal(err)
	}
	// A second apply (a second `up`) finds everything in place.
	if err := ApplyIngressObjects(ctx, cs, NewIngressObjects(ingressUser)); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	user, err := env.AddUser(envtest.User{Name: ingressUser}, nil) // no groups: only the RBAC above
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}

	// The stand-in JobManager listens on a host address that is not loopback: the API
	// server refuses loopback endpoints, as it would refuse them from a real slice.
	backendIP := nonLoopbackIPv4(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(backendIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hosts []string
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"flink-version": "stand-in", "path": r.URL.Path})
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	backendPort := int32(ln.Addr().(*net.TCPAddr).Port)

	// The app's objects, from weir's builder, with the ingress the dev profile gives.
	const ns, name = "team-a", "clicks"
	host := name + "." + ns + ".weir.localhost"
	set := buildApp(t, ns, name, &v1beta1.IngressSpec{Template: "{{name}}.{{namespace}}.weir.localhost", ClassName: IngressClassName})
	if set.Ingress.Spec.Rules[0].Host != host {
		t.Fatalf("builder made host %q, want %q", set.Ingress.Spec.Rules[0].Host, host)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, set.RestService, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// No controller manager here: the slice the EndpointSlice controller would write for
	// the JobManager pod, pointing at the stand-in.
	portName, tcp, ready := set.RestService.Spec.Ports[0].Name, corev1.ProtocolTCP, true
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: set.RestService.Name + "-jm", Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: set.RestService.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{backendIP}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &backendPort, Protocol: &tcp}},
	}
	if _, err := cs.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, set.Ingress, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	web, ping := "127.0.0.1:"+testenv.FreePort(), "127.0.0.1:"+testenv.FreePort()
	conf, err := TraefikConfig([]string{web}, ping, backendIP)
	if err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "traefik.yaml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	cmd := exec.CommandContext(ctx, traefik, "--configFile="+confPath)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	poll := testenv.Poll{Ctx: ctx, Limit: 2 * time.Minute, Diagnose: func() string { return "traefik log:\n" + log.String() }}

	testenv.Eventually(t, "Traefik's /ping", poll, func() error { _, err := get("http://"+ping+"/ping", ""); return err })
	testenv.Eventually(t, "the app's UI through the Ingress", poll, func() error {
		body, err := get("http://"+web+"/config", host)
		if err != nil {
			return err
		}
		var got map[string]string
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Errorf("answer %q: %w", body, err)
		}
		if got["flink-version"] != "stand-in" || got["path"] != "/config" {
			return fmt.Errorf("unexpected answer %q", body)
		}
		return nil
	})
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				t.Logf("Traefik serving one Ingress: %s", strings.Join(strings.Fields(line), " "))
			}
		}
	}
	mu.Lock()
	if last := hosts[len(hosts)-1]; last != host {
		t.Errorf("backend saw Host %q, want %q", last, host)
	}
	mu.Unlock()
	// Routing is by host: another host is not the app's.
	if body, err := get("http://"+web+"/config", "other."+ns+".weir.localhost"); !errors.Is(err, errStatus) {
		t.Errorf("another host: got %q, %v; want Traefik's 404", body, err)
	}
	// Traefik reports where it serves the Ingress (its RBAC allows the status update).
	testenv.Eventually(t, "the Ingress's status address", poll, func() error {
		ing, err := cs.NetworkingV1().Ingresses(ns).Get(ctx, set.Ingress.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if lb := ing.Status.LoadBalancer.Ingress; len(lb) != 1 || lb[0].IP != backendIP {
			return fmt.Errorf("status.loadBalancer.ingress = %+v, want IP %s", lb, backendIP)
		}
		return nil
	})
}

// traefikBinary is the cached build `make test-ingress` makes first.
func traefikBinary(t *testing.T) string {
	t.Helper()
	bins, err := binaries.Select("traefik")
	if err != nil {
		t.Fatal(err)
	}
	p := binaries.Cache{Root: binaries.DefaultCacheDir()}.Path(bins[0])
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no Traefik binary: %v (run `weir local build-binaries traefik`, as `make test-ingress` does)", err)
	}
	return p
}

func buildApp(t *testing.T, ns, name string, ing *v1beta1.IngressSpec) *resources.Set {
	t.Helper()
	cpu := 0.5
	res := &v1beta1.Resource{CPU: &cpu, Memory: "1024m"}
	d := &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: "0b1d2c3e-0000-4000-8000-000000000001"}, // owner of the objects below
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink", Ingress: ing,
			JobManager:  &v1beta1.JobManagerSpec{Resource: res},
			TaskManager: &v1beta1.TaskManagerSpec{Resource: res},
		},
	}
	set, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec})
	if err != nil {
		t.Fatal(err)
	}
	if set.Ingress == nil {
		t.Fatal("the builder made no Ingress")
	}
	return set
}

// nonLoopbackIPv4 is an address of this host that an EndpointSlice may hold.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatal("this host has no non-loopback IPv4 address for the stand-in JobManager")
	return ""
}

var errStatus = errors.New("status is not 200")

// get fetches url, with host in the Host header when set, and returns the body of a 200.
func get(url, host string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if host != "" {
		req.Host = host
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("%w: %s: %s", errStatus, strconv.Itoa(resp.StatusCode), body)
	}
	return body, nil
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
