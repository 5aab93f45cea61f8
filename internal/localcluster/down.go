package localcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// Down stops everything Up started, in the reverse dependency order, and
// removes what the cluster left on the host. With purge it also deletes the
// data dir (certificates, etcd, images).
func Down(ctx context.Context, o Options, purge bool) error {
	if err := checkRoot(); err != nil {
		return err
	}
	l := o.layout()
	if !exists(l.Root) {
		fmt.Fprintf(o.Out, "nothing to do: %s does not exist\n", l.Root)
		return nil
	}
	unlock, err := lockDataDir(l)
	if err != nil {
		return err
	}
	p := &progress{out: o.Out, start: time.Now()}
	bin := o.binaryPaths()
	ds := Daemons(l, bin)
	d := func(name string) Daemon { return DaemonByName(ds, name) }
	hs, err := loadHostState(l)
	if err != nil {
		unlock()
		return err
	}
	fmt.Fprintf(o.Out, "weir local down (data dir %s)\n", l.Root)

	stop := func(names ...string) func() (string, error) {
		return func() (string, error) {
			var stopped []string
			for _, n := range names {
				did, err := stopDaemon(l, d(n), 20*time.Second)
				if err != nil {
					return "", err
				}
				if did {
					stopped = append(stopped, n)
				}
			}
			if len(stopped) == 0 {
				return "not running", nil
			}
			return "stopped " + strings.Join(stopped, ", "), nil
		}
	}
	steps := []struct {
		name string
		fn   func() (string, error)
	}{
		{"observability", stop("vmalert", "vlagent", "victoria-metrics", "victoria-logs")},
		{"ingress controller", stop("traefik")},
		{"kube-proxy + kubelet", stop("kube-proxy", "kubelet")},
		{"pod sandboxes", func() (string, error) { return removeSandboxes(ctx, l, bin, d("containerd")) }},
		{"containerd + shims", func() (string, error) {
			note, err := stop("containerd")()
			if err != nil {
				return "", err
			}
			return note + killShims(l), nil
		}},
		{"control plane + etcd", stop("kube-controller-manager", "kube-scheduler", "kube-apiserver", "etcd")},
		{"S3 server", stop("s3")},
		{"mounts", func() (string, error) { return "", unmountUnder(l.Root) }},
		{"iptables", func() (string, error) {
			if exists(bin["kube-proxy"]) {
				cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				_, _ = run(cctx, bin["kube-proxy"], "--cleanup")
				cancel()
			}
			return "", removeClusterChains(ctx)
		}},
		{"network (route, bridge, ip_forward)", func() (string, error) {
			if err := removeBridge(ctx); err != nil {
				return "", err
			}
			if hs != nil && hs.IPForward != "" && readSysctl(ipForwardPath) != hs.IPForward {
				return "ip_forward restored to " + hs.IPForward, writeSysctl(ipForwardPath, hs.IPForward)
			}
			return "", nil
		}},
		{"host dirs + cgroups", func() (string, error) {
			removeHostLeftovers(l, hs)
			removeKubepodsCgroups()
			return "", nil
		}},
	}
	var firstErr error
	for _, s := range steps {
		// Keep going after a failure: a half-torn-down cluster is worse.
		if err := p.step(s.name, s.fn); err != nil {
			fmt.Fprintf(o.Out, "    %v\n", err)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if left := Leftovers(ctx, l, bin); len(left) > 0 && firstErr == nil {
		firstErr = fmt.Errorf("teardown left these behind:\n  %s", strings.Join(left, "\n  "))
	}
	if firstErr == nil {
		_ = os.Remove(l.HostStateFile())
	}
	unlock()
	if purge && firstErr == nil {
		if err := os.RemoveAll(l.Root); err != nil {
			return fmt.Errorf("purge %s: %w", l.Root, err)
		}
		fmt.Fprintf(o.Out, "  removed %s\n", l.Root)
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(o.Out, "cluster is down in %s\n", since(p.start))
	return nil
}

// removeSandboxes stops and removes every pod sandbox through the CRI so the
// CNI DEL runs (releasing IPs, veths and hostport chains).
func removeSandboxes(ctx context.Context, l Layout, bin Binaries, containerd Daemon) (string, error) {
	if _, running := pidState(l, containerd); !running {
		return "containerd not running", nil
	}
	crictl := bin["crictl"]
	if !exists(crictl) {
		return "no crictl; skipped", nil
	}
	cctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	out, err := run(cctx, crictl, "--config", l.Conf("crictl.yaml"), "rmp", "-a", "-f")
	if err != nil {
		return "", err
	}
	n := strings.Count(out, "Removed sandbox")
	return fmt.Sprintf("removed %d", n), nil
}

// killShims stops containerd shims of our containerd (matched by socket path)
// and any process still in a kubepods cgroup.
func killShims(l Layout) string {
	var pids []int
	pids = append(pids, findProcesses("containerd-shim", "-address "+l.ContainerdSock())...)
	pids = append(pids, kubepodsProcesses()...)
	for _, pid := range pids {
		_ = stopPID(pid, 5*time.Second)
	}
	if len(pids) == 0 {
		return ""
	}
	return fmt.Sprintf("; killed %d leftover shim/pod processes", len(pids))
}

func kubepodsProcesses() []int {
	files, _ := filepath.Glob("/sys/fs/cgroup/pids/kubepods*")
	var pids []int
	for _, top := range files {
		_ = filepath.WalkDir(top, func(p string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() || de.Name() != "cgroup.procs" {
				return nil
			}
			raw, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(raw)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids = append(pids, pid)
				}
			}
			return nil
		})
	}
	return pids
}

// removeHostLeftovers deletes host directories the cluster created and, in
// directories that existed before, only symlinks that point into the data dir.
func removeHostLeftovers(l Layout, hs *HostState) {
	created := map[string]bool{}
	if hs != nil {
		for _, d := range hs.CreatedDirs {
			created[d] = true
		}
	}
	for _, d := range hostDirs {
		if created[d] {
			_ = os.RemoveAll(d)
			continue
		}
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			p := filepath.Join(d, e.Name())
			if t, err := os.Readlink(p); err == nil && strings.HasPrefix(t, l.Root+"/") {
				_ = os.Remove(p)
			}
		}
	}
}

// Leftovers lists anything of the cluster still present on the host.
func Leftovers(ctx context.Context, l Layout, bin Binaries) []string {
	var left []string
	if _, err := run(ctx, "ip", "link", "show", BridgeName); err == nil {
		left = append(left, "bridge "+BridgeName)
	}
	if out, _ := run(ctx, "ip", "route", "show", ServiceCIDR); strings.TrimSpace(out) != "" {
		left = append(left, "route "+strings.TrimSpace(out))
	}
	for _, save := range []string{"iptables-save", "ip6tables-save"} {
		out, _ := run(ctx, save)
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, ":KUBE-") || strings.HasPrefix(line, ":CNI-") {
				left = append(left, save+": chain "+strings.Fields(line[1:])[0])
			}
		}
	}
	if mps, err := hostfs.Mounted(l.Root); err == nil {
		for _, mp := range mps {
			left = append(left, "mount "+mp)
		}
	}
	for _, cg := range remainingKubepodsCgroups() {
		left = append(left, "cgroup "+cg)
	}
	for _, pid := range clusterProcesses(l, bin) {
		left = append(left, fmt.Sprintf("process %d", pid))
	}
	return left
}

// clusterProcesses finds processes of this cluster: one of its binaries run
// with this data dir in its arguments, or a shim of its containerd.
func clusterProcesses(l Layout, bin Binaries) []int {
	var out []int
	for _, d := range Daemons(l, bin) {
		for _, pid := range findProcesses(d.Binary, l.Root) {
			if processMatches(pid, d.Binary) {
				out = append(out, pid)
			}
		}
	}
	return append(out, findProcesses("containerd-shim", "-address "+l.ContainerdSock())...)
}
