package localcluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pidState reads the recorded PID of a daemon and whether that PID is still
// our process: alive, not a zombie, and running the recorded binary (guards
// against PID reuse after a reboot or crash).
func pidState(l Layout, d Daemon) (pid int, running bool) {
	raw, err := os.ReadFile(l.PIDFile(d.Name))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, processMatches(pid, d.Binary)
}

func processMatches(pid int, binary string) bool {
	if !alive(pid) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return binary == "" || string(argv0) == binary
}

// alive is true for a live, non-zombie process. PID 1 on this VM may not reap
// orphans quickly, so a zombie counts as exited.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Fields after the parenthesised comm: state is the first.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	return stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// startDaemon launches d in its own session with output appended to its log
// and records its PID; the process outlives this command.
func startDaemon(l Layout, d Daemon, env []string) (int, error) {
	if d.Binary == "" {
		return 0, fmt.Errorf("%s: no binary (run `weir local build-binaries`)", d.Name)
	}
	logf, err := os.OpenFile(l.LogFile(d.Name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== %s starting %s\n", time.Now().UTC().Format(time.RFC3339), d.Name)
	cmd := exec.Command(d.Binary, d.Args...)
	cmd.Dir = l.Root
	cmd.Env = append(append(os.Environ(), env...), d.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", d.Name, err)
	}
	pid := cmd.Process.Pid
	if err := writeFileAtomic(l.PIDFile(d.Name), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		_ = cmd.Process.Kill()
		return 0, err
	}
	// Reap it if it dies while we are still running, and remember how it ended: start-up
	// checks then know a child's exit for certain instead of inferring it from /proc.
	children.Store(pid, childState{})
	go func() {
		err := cmd.Wait()
		children.Store(pid, childState{exited: true, status: exitStatus(err)})
	}()
	return pid, nil
}

// children maps the PID of each daemon this process started to its childState.
var children sync.Map

type childState struct {
	exited bool
	status string // "exit status 1", "signal: killed", ...
}

// child reports whether pid is a daemon this process started, and its state.
func child(pid int) (childState, bool) {
	v, ok := children.Load(pid)
	if !ok {
		return childState{}, false
	}
	return v.(childState), true
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// stopPID sends SIGTERM, waits up to grace, then SIGKILLs.
func stopPID(pid int, grace time.Duration) error {
	if !alive(pid) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 50 && alive(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		return fmt.Errorf("pid %d did not exit after SIGKILL", pid)
	}
	return nil
}

// stopDaemon stops the recorded process of d, if it is still ours, and drops its PID file.
func stopDaemon(l Layout, d Daemon, grace time.Duration) (stopped bool, err error) {
	pid, running := pidState(l, d)
	if running {
		if err := stopPID(pid, grace); err != nil {
			return false, fmt.Errorf("stop %s: %w", d.Name, err)
		}
	}
	_ = os.Remove(l.PIDFile(d.Name))
	return running, nil
}

// findProcesses lists PIDs whose command line contains every one of needles.
func findProcesses(needles ...string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(raw) == 0 {
			continue
		}
		cl := string(bytes.ReplaceAll(raw, []byte{0}, []byte{' '}))
		ok := true
		for _, n := range needles {
			if !strings.Contains(cl, n) {
				ok = false
				break
			}
		}
		if ok && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}
