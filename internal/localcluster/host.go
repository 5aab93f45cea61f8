package localcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// HostState records what `up` found on the host, so `down` restores it and
// removes only what the cluster created.
type HostState struct {
	IPForward     string   `json:"ipForward"`
	CreatedDirs   []string `json:"createdDirs"`
	BridgeCreated bool     `json:"bridgeCreated"`
}

// hostDirs are paths the kubelet, containerd shims and CNI create outside the data dir.
var hostDirs = []string{"/var/lib/kubelet", ContainerLogsDir, "/var/log/pods", "/var/lib/cni", "/run/containerd"}

func loadHostState(l Layout) (*HostState, error) {
	raw, err := os.ReadFile(l.HostStateFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s HostState
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", l.HostStateFile(), err)
	}
	return &s, nil
}

func saveHostState(l Layout, s *HostState) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = writeIfChanged(l.HostStateFile(), raw, 0o644)
	return err
}

// checkRoot fails early with what to do instead of half-starting.
func checkRoot() error {
	if os.Geteuid() != 0 {
		return errors.New("weir local must run as root (it creates a bridge, iptables rules, mounts and cgroups); rerun with sudo")
	}
	return nil
}

// checkKernel verifies the kernel features the cluster needs are present
// (this host has no loadable modules, so they must be built in).
func checkKernel() error {
	fs, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return err
	}
	var missing []string
	if !strings.Contains(string(fs), "\toverlay\n") {
		missing = append(missing, "overlay filesystem (CONFIG_OVERLAY_FS) for containerd's overlayfs snapshotter")
	}
	for path, what := range map[string]string{
		"/proc/sys/net/ipv4/ip_forward":                "IPv4 forwarding",
		"/proc/sys/net/bridge/bridge-nf-call-iptables": "bridge netfilter (CONFIG_BRIDGE_NETFILTER) for Services on the bridge",
		"/sys/fs/cgroup/memory":                        "the memory cgroup controller",
		"/sys/fs/cgroup/pids":                          "the pids cgroup controller",
	} {
		if !exists(path) {
			missing = append(missing, what+" ("+path+" missing)")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kernel features missing: %s; use a kernel with them built in (or load the modules)", strings.Join(missing, "; "))
	}
	return nil
}

// hostTools are commands from Debian packages; missing ones are installed with apt-get.
var hostTools = map[string]string{
	"/usr/bin/containerd":     "containerd",
	"/usr/bin/ctr":            "containerd",
	"/usr/sbin/runc":          "runc",
	"/usr/lib/cni/bridge":     "containernetworking-plugins",
	"/usr/lib/cni/portmap":    "containernetworking-plugins",
	"/usr/lib/cni/host-local": "containernetworking-plugins",
	"/usr/sbin/iptables":      "iptables",
	"/usr/sbin/ip":            "iproute2",
}

// ensureHostPackages installs missing Debian packages, waiting for any apt run
// already holding the dpkg lock.
func ensureHostPackages(ctx context.Context, out io.Writer) error {
	want := map[string]bool{}
	for path, pkg := range hostTools {
		if !exists(path) {
			want[pkg] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var pkgs []string
	for p := range want {
		pkgs = append(pkgs, p)
	}
	fmt.Fprintf(out, "installing Debian packages: %s\n", strings.Join(pkgs, " "))
	args := append([]string{"-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends"}, pkgs...)
	cmd := exec.CommandContext(ctx, "apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install %s failed: %w\n%s", strings.Join(pkgs, " "), err, lastLines(string(b), 20))
	}
	return nil
}

// checkPortsFree fails when something else already listens on a daemon's port.
func checkPortsFree(d Daemon) error {
	for _, addr := range d.Ports {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			_, port, _ := net.SplitHostPort(addr)
			return fmt.Errorf("%s cannot start: port %s is in use by another process (find it with `ss -ltnp 'sport = :%s'` and stop it): %w", d.Name, addr, port, err)
		}
		ln.Close()
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return string(b), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
	return string(b), nil
}
