package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"weir.dev/weir/internal/image"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/testenv"
)

// requireE2E skips unless the developer opted in: these tests start a real
// cluster as root and change host networking while it runs.
func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("WEIR_E2E") != "1" {
		t.Skip("end-to-end test: set WEIR_E2E=1 to run it (needs root, ~1 min with built binaries, ~30 min cold)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("WEIR_E2E=1 needs root: the local cluster creates a bridge, iptables rules and mounts")
	}
}

// TestLocalClusterLifecycle brings the cluster up, checks that `up` is
// idempotent, runs a pod that resolves Service names through CoreDNS and calls
// the API server through the kubernetes Service, then tears the cluster down
// and checks the host is clean.
func TestLocalClusterLifecycle(t *testing.T) {
	requireE2E(t)
	ctx := context.Background()
	if out, err := exec.Command("ip", "link", "show", localcluster.BridgeName).CombinedOutput(); err == nil {
		t.Fatalf("bridge %s exists: a local cluster is already running; run `weir local down` first\n%s", localcluster.BridgeName, out)
	}
	dataDir := os.Getenv("WEIR_E2E_DATA_DIR")
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	var log bytes.Buffer
	opts := localcluster.Options{DataDir: dataDir, CacheDir: binaries.DefaultCacheDir(), Out: &log}
	l := localcluster.Layout{Root: dataDir}
	ipForwardBefore := readFile(t, "/proc/sys/net/ipv4/ip_forward")

	downed := false
	t.Cleanup(func() {
		if !downed {
			var out bytes.Buffer
			o := opts
			o.Out = &out
			_ = localcluster.Down(context.Background(), o, false)
			t.Logf("cleanup down:\n%s", out.String())
		}
	})

	start := time.Now()
	if err := localcluster.Up(ctx, opts); err != nil {
		t.Fatalf("up: %v\n%s", err, log.String())
	}
	t.Logf("first up took %s:\n%s", time.Since(start), log.String())

	// A second up must change nothing: same processes, nothing restarted.
	pidsBefore := pidFiles(t, l)
	log.Reset()
	start = time.Now()
	if err := localcluster.Up(ctx, opts); err != nil {
		t.Fatalf("second up: %v\n%s", err, log.String())
	}
	t.Logf("second up took %s:\n%s", time.Since(start), log.String())
	if after := pidFiles(t, l); fmt.Sprint(after) != fmt.Sprint(pidsBefore) {
		t.Errorf("second up restarted daemons: before %v, after %v", pidsBefore, after)
	}

	rows, err := localcluster.Status(ctx, opts)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, r := range rows {
		if r.State != "ready" && r.State != "present" && r.State != "Ready" && r.State != "1/1 ready" {
			t.Errorf("status %s = %q", r.Name, r.State)
		}
	}

	cs, err := localcluster.AdminClient(l)
	if err != nil {
		t.Fatal(err)
	}
	assertS3(t, ctx, cs, l)
	probeImage := buildProbeImage(t, ctx, l)
	runProbePod(t, ctx, cs, probeImage)

	log.Reset()
	start = time.Now()
	err = localcluster.Down(ctx, opts, false)
	downed = true
	t.Logf("down took %s:\n%s", time.Since(start), log.String())
	if err != nil {
		t.Fatalf("down: %v", err)
	}
	assertHostClean(t, dataDir)
	if got := readFile(t, "/proc/sys/net/ipv4/ip_forward"); got != ipForwardBefore {
		t.Errorf("ip_forward = %s after down, was %s before up", got, ipForwardBefore)
	}
}

// assertS3 checks what up promised about the S3 server: the credentials file (0600) and the
// Secret hold one key pair, which the server accepts, and every bucket exists.
func assertS3(t *testing.T, ctx context.Context, cs kubernetes.Interface, l localcluster.Layout) {
	t.Helper()
	st, err := os.Stat(l.S3Credentials())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", l.S3Credentials(), st.Mode().Perm())
	}
	creds, _, err := s3local.LoadOrCreate(l.S3Credentials())
	if err != nil {
		t.Fatal(err)
	}
	sec, err := cs.CoreV1().Secrets(s3local.Namespace).Get(ctx, s3local.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sec.Data[s3local.AccessKeyIDKey]) != creds.AccessKeyID || string(sec.Data[s3local.SecretAccessKeyKey]) != creds.SecretAccessKey {
		t.Error("the Secret's credentials differ from the file's")
	}
	created, err := s3local.EnsureBuckets(ctx, s3local.NewClient(s3local.Endpoint(localcluster.BridgeIP), creds), s3local.Buckets)
	if err != nil || len(created) != 0 {
		t.Errorf("buckets after up: created %v now (err %v), want all present", created, err)
	}
}

// buildProbeImage compiles ./probe statically, packs it as an image and
// imports it the way `weir local import-image` does.
func buildProbeImage(t *testing.T, ctx context.Context, l localcluster.Layout) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "probe")
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./probe")
	cmd.Dir = filepath.Dir(self)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	ref := "localhost/weir/e2e-probe:1"
	tarPath := filepath.Join(dir, "probe.tar")
	if err := image.WriteStaticBinaryImage(tarPath, ref, "probe", data); err != nil {
		t.Fatal(err)
	}
	imported, names, err := localcluster.ImportImage(ctx, l, tarPath)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if len(names) != 1 || names[0] != ref {
		t.Errorf("archive names = %v, want [%s]", names, ref)
	}
	if again, _, err := localcluster.ImportImage(ctx, l, tarPath); err != nil || again {
		t.Errorf("second import should be skipped: imported=%v err=%v (first imported=%v)", again, err, imported)
	}
	return ref
}

func runProbePod(t *testing.T, ctx context.Context, cs kubernetes.Interface, img string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-probe"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A Service without endpoints still gets a ClusterIP and a DNS record.
	svc, err := cs.CoreV1().Services(ns.Name).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "probe-svc"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "nothing"},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The default ServiceAccount appears only once kcm has created it.
	waitFor(t, 60*time.Second, "default ServiceAccount", func() bool {
		_, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probe"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "probe", Image: img, ImagePullPolicy: corev1.PullNever,
				// Short name via the search path, FQDN, and the API server's Service name.
				Args: []string{"probe-svc", "probe-svc.e2e-probe.svc.cluster.local", "kubernetes.default"},
				// The S3 server on the host, through its selector-less Service.
				Env: []corev1.EnvVar{{Name: "PROBE_HTTP", Value: s3local.ClusterEndpoint() + s3local.HealthPath}},
			}},
		},
	}
	if _, err := cs.CoreV1().Pods(ns.Name).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var phase corev1.PodPhase
	waitFor(t, 120*time.Second, "probe pod to finish", func() bool {
		p, err := cs.CoreV1().Pods(ns.Name).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		phase = p.Status.Phase
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed
	})
	raw, err := cs.CoreV1().Pods(ns.Name).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	logs := string(raw)
	t.Logf("probe pod %s:\n%s", phase, logs)
	if phase != corev1.PodSucceeded {
		t.Fatalf("probe pod %s", phase)
	}
	for _, want := range []string{
		"dns probe-svc=" + svc.Spec.ClusterIP + "\n",
		"dns probe-svc.e2e-probe.svc.cluster.local=" + svc.Spec.ClusterIP + "\n",
		"dns kubernetes.default=" + localcluster.KubernetesSvc + "\n",
		"api via=" + localcluster.KubernetesSvc + " status=200",
		`"gitVersion":"v` + binaries.KubernetesVersion + `"`,
		"http " + s3local.ClusterEndpoint() + s3local.HealthPath + " status=200\n",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("probe output lacks %q", want)
		}
	}
}

// assertHostClean checks with the host's own tools that nothing of the cluster remains.
func assertHostClean(t *testing.T, dataDir string) {
	t.Helper()
	if out, err := exec.Command("ip", "link", "show", localcluster.BridgeName).CombinedOutput(); err == nil {
		t.Errorf("bridge still present:\n%s", out)
	}
	if out, _ := exec.Command("ip", "link", "show", "type", "veth").CombinedOutput(); strings.TrimSpace(string(out)) != "" {
		t.Errorf("veth interfaces left:\n%s", out)
	}
	if out, _ := exec.Command("ip", "route").CombinedOutput(); strings.Contains(string(out), "10.96.0.0/16") || strings.Contains(string(out), "10.88.") {
		t.Errorf("cluster routes left:\n%s", out)
	}
	for _, save := range []string{"iptables-save", "ip6tables-save"} {
		out, err := exec.Command(save).CombinedOutput()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "KUBE") || strings.Contains(line, "CNI-") {
				t.Errorf("%s still has: %s", save, line)
			}
		}
	}
	out, _ := exec.Command("mount").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, dataDir) {
			t.Errorf("mount left: %s", line)
		}
	}
	if m, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods*"); len(m) > 0 {
		t.Errorf("kubepods cgroups left: %v", m)
	}
	if out, _ := exec.Command("pgrep", "-f", dataDir).CombinedOutput(); strings.TrimSpace(string(out)) != "" {
		t.Errorf("processes using %s left: %s", dataDir, out)
	}
}

func pidFiles(t *testing.T, l localcluster.Layout) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(l.RunDir(), "*.pid"))
	out := map[string]string{}
	for _, f := range files {
		out[filepath.Base(f)] = readFile(t, f)
	}
	want := 0 // the daemons a plain `up` runs: those of no opt-in feature
	for _, d := range localcluster.Daemons(l, localcluster.Binaries{}) {
		if d.Feature == "" {
			want++
		}
	}
	if len(out) != want {
		t.Errorf("want %d pid files, one per daemon (etcd, containerd, apiserver, kcm, scheduler, kubelet, kube-proxy, s3, traefik), got %v", want, out)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, testenv.Poll{Limit: timeout, Interval: 250 * time.Millisecond}, func() error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	})
}
