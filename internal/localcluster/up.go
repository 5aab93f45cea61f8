package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"weir.dev/weir/internal/hostfs"
	"weir.dev/weir/internal/image"
	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/s3local"
)

// Options select the cluster's data dir and the binary cache.
type Options struct {
	DataDir  string
	CacheDir string
	Out      io.Writer
	// With turns on opt-in features (Features) for this data dir; `up` records them, so later
	// commands need not repeat the flag.
	With []string
}

func (o Options) layout() Layout        { return Layout{Root: o.DataDir} }
func (o Options) cache() binaries.Cache { return binaries.Cache{Root: o.CacheDir} }

// binaryPaths maps component names to where they live (cache or Debian).
func (o Options) binaryPaths() Binaries {
	bin := Binaries{"containerd": "/usr/bin/containerd"}
	c := o.cache()
	for _, b := range binaries.All() {
		bin[b.Name] = c.Path(b)
	}
	return bin
}

// progress prints one line per step with the step's and the total elapsed time.
type progress struct {
	out   io.Writer
	start time.Time
}

func (p *progress) step(name string, fn func() (string, error)) error {
	t := time.Now()
	note, err := fn()
	if err != nil {
		fmt.Fprintf(p.out, "  %-36s FAILED after %s\n", name, since(t))
		return err
	}
	if note != "" {
		note = " (" + note + ")"
	}
	fmt.Fprintf(p.out, "  %-36s %8s  [total %s]%s\n", name, since(t), since(p.start), note)
	return nil
}

// lockDataDir serialises up/down/import on one data dir.
func lockDataDir(l Layout) (func(), error) {
	if err := os.MkdirAll(l.RunDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", l.RunDir(), err)
	}
	unlock, err := hostfs.TryLock(filepath.Join(l.RunDir(), "lock"))
	if errors.Is(err, hostfs.ErrLocked) {
		return nil, fmt.Errorf("another weir local command is working on %s; wait for it to finish", l.Root)
	}
	return unlock, err
}

// Up brings the cluster up, starting only what is not already running.
func Up(ctx context.Context, o Options) error {
	if err := checkRoot(); err != nil {
		return err
	}
	if err := checkKernel(); err != nil {
		return err
	}
	l := o.layout()
	unlock, err := lockDataDir(l)
	if err != nil {
		return err
	}
	defer unlock()
	with, err := mergeWith(l, o.With)
	if err != nil {
		return err
	}
	observability := slices.Contains(with, FeatureObservability)
	p := &progress{out: o.Out, start: time.Now()}
	bin := o.binaryPaths()
	ds := Daemons(l, bin)
	d := func(name string) Daemon { return DaemonByName(ds, name) }
	fmt.Fprintf(o.Out, "weir local up (data dir %s)\n", l.Root)

	if err := p.step("host packages", func() (string, error) { return "", ensureHostPackages(ctx, o.Out) }); err != nil {
		return err
	}
	if err := p.step("binaries", func() (string, error) {
		b := &binaries.Builder{Cache: o.cache(), Out: o.Out}
		missing := b.Missing(append(runtimeBinaries(), featureBinaries(with)...))
		if len(missing) == 0 {
			return "all present", nil
		}
		fmt.Fprintf(o.Out, "  building %d missing binaries (a cold build takes ~25 min)\n", len(missing))
		return "", b.Ensure(ctx, missing)
	}); err != nil {
		return err
	}
	var pauseTar, corednsTar string
	if err := p.step("images (pause, coredns)", func() (string, error) {
		var err error
		if pauseTar, err = image.BuildPauseImage(ctx, o.CacheDir); err != nil {
			return "", err
		}
		corednsTar, err = image.BuildCoreDNSImage(o.CacheDir, bin["coredns"], binaries.CoreDNSVersion)
		return "", err
	}); err != nil {
		return err
	}
	var changed []string
	if err := p.step("certificates and config", func() (string, error) {
		var err error
		changed, err = writeState(l)
		return "", err
	}); err != nil {
		return err
	}
	for _, name := range changed {
		if _, running := pidState(l, d(name)); running {
			fmt.Fprintf(o.Out, "  note: config of running %s changed; run `weir local down` then `up` to apply it\n", name)
		}
	}
	if err := p.step("network (bridge, route, ip_forward)", func() (string, error) { return setupNetwork(ctx, l) }); err != nil {
		return err
	}
	if err := p.step("etcd + containerd", func() (string, error) {
		return startAll(ctx, l, []Daemon{d("etcd"), d("containerd")}, 60*time.Second)
	}); err != nil {
		return err
	}
	var s3 s3Server
	if err := p.step("S3 server + buckets", func() (string, error) {
		var err error
		s3, err = startS3(ctx, l, d("s3"))
		return s3.note, err
	}); err != nil {
		return err
	}
	imports := make(chan error, 1)
	go func() {
		for _, t := range []string{pauseTar, corednsTar} {
			if _, _, err := ImportImage(ctx, l, t); err != nil {
				imports <- err
				return
			}
		}
		imports <- nil
	}()
	if err := p.step("kube-apiserver", func() (string, error) {
		return startAll(ctx, l, []Daemon{d("kube-apiserver")}, 120*time.Second)
	}); err != nil {
		return err
	}
	if err := p.step("image import", func() (string, error) { return "", <-imports }); err != nil {
		return err
	}
	if err := p.step("kcm + scheduler + kubelet", func() (string, error) {
		return startAll(ctx, l, []Daemon{d("kube-controller-manager"), d("kube-scheduler"), d("kubelet")}, 60*time.Second)
	}); err != nil {
		return err
	}
	cs, err := AdminClient(l)
	if err != nil {
		return err
	}
	if err := p.step("node Ready", func() (string, error) { return "", waitNodeReady(ctx, cs, 120*time.Second) }); err != nil {
		return err
	}
	if err := p.step("kube-proxy", func() (string, error) {
		return startAll(ctx, l, []Daemon{d("kube-proxy")}, 60*time.Second)
	}); err != nil {
		return err
	}
	if err := p.step("CoreDNS", func() (string, error) {
		if err := ApplyCoreDNS(ctx, cs, NewCoreDNSObjects(image.CoreDNSImageRef(binaries.CoreDNSVersion))); err != nil {
			return "", err
		}
		return "", waitDeploymentReady(ctx, cs, "kube-system", "coredns", 180*time.Second)
	}); err != nil {
		return err
	}
	if err := p.step("S3 Service + credentials Secret", func() (string, error) {
		return "", s3local.Apply(ctx, cs, s3local.NewObjects(BridgeIP, s3.creds))
	}); err != nil {
		return err
	}
	if observability {
		if err := p.step("observability (metrics, alerts, logs, shipper)", func() (string, error) {
			return startObservability(ctx, cs, l, ds)
		}); err != nil {
			return err
		}
	}
	if err := p.step("ingress controller (Traefik)", func() (string, error) {
		return startIngress(ctx, l, cs, d("traefik"))
	}); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "cluster is up in %s\n  export KUBECONFIG=%s\n  kubectl: %s\n", since(p.start), l.AdminKubeconfig(), bin["kubectl"])
	printS3(o.Out, l)
	printIngress(o.Out)
	if observability {
		printObservability(o.Out)
	}
	return nil
}

// runtimeBinaries are the binaries the cluster always runs. crictl is only a
// teardown aid (down falls back to killing shims without it), so a cold `up`
// does not wait for it; the optional ones wait for their feature (featureBinaries).
func runtimeBinaries() []binaries.Binary {
	var out []binaries.Binary
	for _, b := range binaries.All() {
		if b.Name != "crictl" && !binaries.Optional(b) {
			out = append(out, b)
		}
	}
	return out
}

// writeState creates directories, PKI, kubeconfigs and config files, returning
// the daemons whose config file content changed.
func writeState(l Layout) ([]string, error) {
	for _, dir := range l.Dirs() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := EnsurePKI(l, time.Now()); err != nil {
		return nil, err
	}
	if err := WriteKubeconfigs(l); err != nil {
		return nil, err
	}
	cni, err := CNIConflist(l)
	if err != nil {
		return nil, err
	}
	traefikConf, err := localTraefikConfig()
	if err != nil {
		return nil, err
	}
	files := []struct{ daemon, path, data string }{
		{"containerd", l.Conf("containerd.toml"), ContainerdConfig(l)},
		{"containerd", filepath.Join(l.CNIConfDir(), "10-weir.conflist"), cni},
		{"kubelet", l.Conf("kubelet.yaml"), KubeletConfig(l)},
		{"kube-proxy", l.Conf("kube-proxy.yaml"), KubeProxyConfig(l)},
		{"", l.Conf("crictl.yaml"), CrictlConfig(l)},
		{"traefik", l.Conf("traefik.yaml"), traefikConf},
	}
	var changed []string
	for _, f := range files {
		did, err := writeIfChanged(f.path, []byte(f.data), 0o644)
		if err != nil {
			return nil, err
		}
		if did && f.daemon != "" {
			changed = append(changed, f.daemon)
		}
	}
	return changed, nil
}

// setupNetwork records the host's state once, then creates the bridge and route
// and turns on forwarding.
func setupNetwork(ctx context.Context, l Layout) (string, error) {
	hs, err := loadHostState(l)
	if err != nil {
		return "", err
	}
	if hs == nil {
		hs = &HostState{IPForward: readSysctl(ipForwardPath)}
		for _, d := range hostDirs {
			if !exists(d) {
				hs.CreatedDirs = append(hs.CreatedDirs, d)
			}
		}
	}
	created, err := ensureBridge(ctx)
	if created {
		hs.BridgeCreated = true
	}
	if serr := saveHostState(l, hs); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return "", err
	}
	if readSysctl(ipForwardPath) != "1" {
		if err := writeSysctl(ipForwardPath, "1"); err != nil {
			return "", err
		}
	}
	if created {
		return "created " + BridgeName, nil
	}
	return BridgeName + " present", nil
}

// startAll starts the daemons that are not running and waits for all of them.
func startAll(ctx context.Context, l Layout, ds []Daemon, timeout time.Duration) (string, error) {
	var notes []string
	for _, d := range ds {
		if pid, running := pidState(l, d); running {
			notes = append(notes, fmt.Sprintf("%s already running, pid %d", d.Name, pid))
			continue
		}
		if err := checkPortsFree(d); err != nil {
			return "", err
		}
		if _, err := startDaemon(l, d, daemonEnv(l)); err != nil {
			return "", err
		}
	}
	for _, d := range ds {
		note, err := waitReadyRestarting(ctx, l, d, timeout)
		if err != nil {
			return "", err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return strings.Join(notes, "; "), nil
}

// startAttempts bounds how often a daemon that exits during start-up is
// started again. kcm and the scheduler exit on some start-up races with a
// fresh API server (as they would be restarted by a kubelet in kubeadm), so
// one early exit is not yet a failure; the same exit three times is.
const startAttempts = 3

// waitReadyRestarting waits for d and, like a supervisor, restarts it when it
// exits before it became ready. The note says how often that happened.
func waitReadyRestarting(ctx context.Context, l Layout, d Daemon, timeout time.Duration) (string, error) {
	for attempt := 1; ; attempt++ {
		err := waitReady(ctx, l, d, timeout)
		var exited *exitedError
		if err == nil || !errors.As(err, &exited) || attempt == startAttempts {
			if err == nil && attempt > 1 {
				return fmt.Sprintf("%s restarted %d time(s) after exiting during start-up (see %s)", d.Name, attempt-1, l.LogFile(d.Name)), nil
			}
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Duration(attempt) * time.Second):
		}
		if err := checkPortsFree(d); err != nil {
			return "", fmt.Errorf("%w (after: %v)", err, exited) //nolint:errorlint // the port conflict is the error, not the earlier exit
		}
		if _, err := startDaemon(l, d, daemonEnv(l)); err != nil {
			return "", err
		}
	}
}

// daemonEnv keeps kubectl caches and the shim's PATH predictable.
func daemonEnv(l Layout) []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"KUBECACHEDIR=" + l.KubeCacheDir(),
	}
}

// AdminClient returns a clientset using the admin kubeconfig.
func AdminClient(l Layout) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", l.AdminKubeconfig())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w (has `weir local up` run?)", l.AdminKubeconfig(), err)
	}
	cfg.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(cfg)
}

func waitNodeReady(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, error) {
		n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	}, "node "+NodeName+" Ready (see the kubelet log)")
}

func waitDeploymentReady(ctx context.Context, cs kubernetes.Interface, ns, name string, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		return d.Status.ObservedGeneration >= d.Generation && d.Status.ReadyReplicas >= want, nil
	}, fmt.Sprintf("deployment %s/%s ready", ns, name))
}

func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error), what string) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out after " + timeout.String() + " waiting for " + what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
