package image

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testContainerd is a private containerd (CRI disabled) under a temp dir, for running the
// built images in tests without touching any other containerd on the machine.
type testContainerd struct {
	dir, sock, ns string
	cmd           *exec.Cmd
	// hadRunDir records whether /run/containerd existed before; the shims create it.
	hadRunDir bool
}

func startContainerd(t *testing.T) *testContainerd {
	t.Helper()
	for _, bin := range []string{"containerd", "ctr", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is missing: apt-get install -y containerd runc", bin)
		}
	}
	dir, err := os.MkdirTemp("", "weir-image-ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	c := &testContainerd{dir: dir, sock: filepath.Join(dir, "containerd.sock"), ns: "weir-image-test"}
	if _, err := os.Stat(runDir); err == nil {
		c.hadRunDir = true
	}
	conf := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock, c.sock+".ttrpc", filepath.Join(dir, "opt"))
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, _ := os.Create(filepath.Join(dir, "containerd.log"))
	c.cmd = exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	for i := 0; ; i++ {
		if conn, err := net.Dial("unix", c.sock); err == nil {
			conn.Close()
			break
		}
		if i > 300 {
			log, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
			t.Fatalf("containerd did not start:\n%s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

func (c *testContainerd) ctr(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.ctrErr(args...)
	if err != nil {
		t.Fatalf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (c *testContainerd) ctrErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ctr", append([]string{"--address", c.sock, "-n", c.ns}, args...)...).CombinedOutput()
	return string(out), err
}

// stop kills the test's containers, then containerd and its shims, and removes its state.
func (c *testContainerd) stop() {
	if out, err := c.ctrErr("tasks", "ls", "-q"); err == nil {
		for _, id := range strings.Fields(out) {
			_, _ = c.ctrErr("tasks", "kill", "-s", "SIGKILL", id)
		}
		time.Sleep(time.Second)
		for _, id := range strings.Fields(out) {
			_, _ = c.ctrErr("tasks", "rm", "-f", id)
		}
	}
	if out, err := c.ctrErr("containers", "ls", "-q"); err == nil {
		for _, id := range strings.Fields(out) {
			_, _ = c.ctrErr("containers", "rm", id)
		}
	}
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	}
	killShims(c.sock)
	if err := unmountAll(c.dir); err == nil {
		os.RemoveAll(c.dir)
	}
	// The 1.6 shims keep runc state and sockets under /run/containerd whatever the config
	// says; remove what is empty (os.Remove never deletes a non-empty directory).
	os.Remove(filepath.Join(runDir, "runc", c.ns))
	if !c.hadRunDir {
		for _, d := range []string{"runc", "fifo", "s", ""} {
			os.Remove(filepath.Join(runDir, d))
		}
	}
}

const runDir = "/run/containerd"

// killShims ends the runc shims that served our containerd (found by their -address).
func killShims(sock string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), "containerd-shim") || !strings.Contains(string(b), sock) {
			continue
		}
		var pid int
		_, _ = fmt.Sscanf(filepath.Base(filepath.Dir(p)), "%d", &pid)
		if pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// taskPID returns the host PID of a running container's init process.
func (c *testContainerd) taskPID(t *testing.T, id string) int {
	t.Helper()
	for _, line := range strings.Split(c.ctr(t, "tasks", "ls"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == id {
			var pid int
			_, _ = fmt.Sscanf(f[1], "%d", &pid)
			return pid
		}
	}
	t.Fatalf("no task %s", id)
	return 0
}
