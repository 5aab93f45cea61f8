package obslocal_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/obslocal"
)

// The tests of this package run the real VictoriaMetrics, vmalert, VictoriaLogs and vlagent,
// built into the weir cache from the Go module proxy like the local cluster's binaries, and,
// where the daemons read the cluster, a real etcd + kube-apiserver (envtest).
func enabled(t *testing.T) {
	t.Helper()
	if os.Getenv("WEIR_OBS_IT") != "1" {
		t.Skip("set WEIR_OBS_IT=1 to run the observability daemons (make test-observability)")
	}
}

// ensureBinaries builds the observability daemons into the cache if they are missing.
func ensureBinaries(t *testing.T) map[string]string {
	t.Helper()
	bins, err := binaries.Select(binaries.ObservabilityNames...)
	if err != nil {
		t.Fatal(err)
	}
	b := &binaries.Builder{Cache: binaries.Cache{Root: binaries.DefaultCacheDir()}, Out: testWriter{t}}
	if err := b.Ensure(context.Background(), bins); err != nil {
		t.Fatalf("build the observability binaries: %v", err)
	}
	out := map[string]string{}
	for _, x := range bins {
		out[x.Name] = b.Cache.Path(x)
	}
	return out
}

// daemon is one started process; its log is shown when the test fails.
type daemon struct {
	name, log string
	stop      func() error // kills it and returns how it exited; once
}

// start runs bin with args until the test ends (or its stop) and waits for health to answer 200.
func start(t *testing.T, name, bin, health string, args, env []string) daemon {
	t.Helper()
	d := daemon{name: name, log: filepath.Join(t.TempDir(), name+".log")}
	logf, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	d.stop = sync.OnceValue(func() error {
		_ = cmd.Process.Kill()
		return <-exited
	})
	t.Cleanup(func() {
		err := d.stop()
		if t.Failed() {
			t.Logf("%s (%v) log:\n%s", name, err, d.tail())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- obslocal.NewClient().WaitReady(ctx, health, time.Minute) }()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, d.tail())
		}
	case err := <-exited:
		exited <- err
		t.Fatalf("%s exited during start-up: %v\n%s", name, err, d.tail())
	}
	return d
}

func (d daemon) tail() string {
	raw, _ := os.ReadFile(d.log)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// listen is a free address on ip.
func listen(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func baseURL(addr string) string { return "http://" + addr }

// hostIP is a non-loopback IPv4 address of this machine: the API server refuses loopback
// addresses in EndpointSlices, and the test's scrape targets stand in for pods there.
func hostIP(t *testing.T) string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
				return n.IP.String()
			}
		}
	}
	t.Fatal("no non-loopback IPv4 address on this machine to stand in for a pod IP")
	return ""
}

// controlPlane starts etcd + kube-apiserver from KUBEBUILDER_ASSETS.
func controlPlane(t *testing.T) *envtest.Environment {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test-observability`, or set it to `bin/weir local envtest-assets`")
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	if _, err := env.Start(); err != nil {
		t.Fatalf("start etcd + kube-apiserver: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	return env
}

// readerKubeconfig writes a kubeconfig of obslocal.ReaderUser: what the daemons may do in
// the cluster is then exactly what obslocal's ClusterRole grants.
func readerKubeconfig(t *testing.T, env *envtest.Environment) string {
	t.Helper()
	u, err := env.AddUser(envtest.User{Name: obslocal.ReaderUser}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := u.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "reader.kubeconfig")
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// one returns the only series, or an error saying what came instead.
func one(s []obslocal.Series, err error) (obslocal.Series, error) {
	if err != nil {
		return obslocal.Series{}, err
	}
	if len(s) != 1 {
		return obslocal.Series{}, fmt.Errorf("want 1 series, got %d: %v", len(s), s)
	}
	return s[0], nil
}

func wantLabels(got map[string]string, want map[string]string) error {
	var errs []error
	for k, v := range want {
		if got[k] != v {
			errs = append(errs, fmt.Errorf("label %s = %q, want %q", k, got[k], v))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w (labels %v)", errors.Join(errs...), got)
	}
	return nil
}
