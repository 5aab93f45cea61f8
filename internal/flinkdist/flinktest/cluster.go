package flinktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"weir.dev/weir/internal/flinkdist"
)

// Options describe a local cluster.
type Options struct {
	// Version is a pinned Flink line or release ("1.20", "2.3"); default "1.20".
	Version string
	// Config overrides keys of the generated config.yaml.
	Config map[string]string
	// TaskManagers is the number of TaskManager processes; default 1.
	TaskManagers int
	// JobManagerOnly starts no TaskManager (a test of the JobManager process alone).
	JobManagerOnly bool
	// ConfFiles are written into the configuration directory over the distribution's
	// (e.g. weir's log4j-console.properties).
	ConfFiles map[string]string
	// Entrypoint, when set, starts the JobManager through this image entrypoint script
	// (`<Entrypoint> jobmanager`, as a standalone pod does) instead of bin/jobmanager.sh, so
	// what it does to the configuration (FLINK_PROPERTIES) is part of the test.
	Entrypoint string
	// Dir holds configuration, logs and scratch files; default a new temp dir, removed by
	// Stop unless the cluster failed to start.
	Dir string
	// StartTimeout bounds the wait for the REST API and the TaskManagers; default 5 minutes
	// (a loaded 2-core machine needs more than one).
	StartTimeout time.Duration
	// Env is added to every process's environment (e.g. credentials kept out of config.yaml,
	// FLINK_PLUGINS_DIR).
	Env []string
}

// Cluster is a running JobManager plus TaskManagers on 127.0.0.1.
type Cluster struct {
	// RESTURL is e.g. http://127.0.0.1:41234 (no trailing slash).
	RESTURL string
	// Home is FLINK_HOME; ConfDir is FLINK_CONF_DIR; LogDir holds each process's output.
	Home, ConfDir, LogDir string
	// Version is the full Flink release.
	Version string
	// Env is the environment the processes run with (FLINK_CONF_DIR, JAVA_HOME); use it to
	// run bin/flink against this cluster.
	Env []string

	dir      string
	ownDir   bool
	procs    []*exec.Cmd
	stopOnce sync.Once
}

// Start assembles the distribution if needed, starts the processes and waits until the
// REST API reports every TaskManager registered.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Version == "" {
		o.Version = "1.20"
	}
	if o.TaskManagers <= 0 {
		o.TaskManagers = 1
	}
	if o.JobManagerOnly {
		o.TaskManagers = 0
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 5 * time.Minute
	}
	home, err := flinkdist.Ensure(ctx, o.Version)
	if err != nil {
		return nil, err
	}
	full, _ := flinkdist.Resolve(o.Version)
	java, err := flinkdist.JavaHome()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Home: home, Version: full, dir: o.Dir}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "weir-flink-"); err != nil {
			return nil, err
		}
		c.ownDir = true
	}
	c.ConfDir, c.LogDir = filepath.Join(c.dir, "conf"), filepath.Join(c.dir, "log")
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	p := Ports{REST: ports[0], RPC: ports[1]}
	if err := c.writeConf(p, o.Config, o.ConfFiles); err != nil {
		return nil, err
	}
	c.RESTURL = fmt.Sprintf("http://127.0.0.1:%d", p.REST)
	if v, ok := o.Config["rest.port"]; ok {
		c.RESTURL = "http://127.0.0.1:" + v
	}
	// FLINK_PID_DIR keeps the scripts' pid files out of /tmp.
	c.Env = append(os.Environ(), "FLINK_CONF_DIR="+c.ConfDir, "FLINK_LOG_DIR="+c.LogDir, "FLINK_PID_DIR="+c.dir, "JAVA_HOME="+java)
	c.Env = append(c.Env, o.Env...)

	jm, jmArgs := filepath.Join(home, "bin", "jobmanager.sh"), []string{"start-foreground"}
	if o.Entrypoint != "" {
		// FLINK_UID: stay the test's user rather than the image's flink user.
		c.Env = append(c.Env, "FLINK_HOME="+home, fmt.Sprintf("FLINK_UID=%d", os.Getuid()))
		jm, jmArgs = o.Entrypoint, []string{"jobmanager"}
	}
	if err := c.spawn("jobmanager", jm, jmArgs...); err != nil {
		c.Stop()
		return nil, err
	}
	for i := 0; i < o.TaskManagers; i++ {
		if err := c.spawn(fmt.Sprintf("taskmanager-%d", i), filepath.Join(home, "bin", "taskmanager.sh"), "start-foreground"); err != nil {
			c.Stop()
			return nil, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if err := c.waitReady(wctx, o.TaskManagers); err != nil {
		c.ownDir = false // keep the logs for the error message's reader
		c.Stop()
		return nil, fmt.Errorf("flink %s did not become ready: %w (logs in %s)", full, err, c.LogDir)
	}
	return c, nil
}

func (c *Cluster) writeConf(p Ports, overrides, files map[string]string) error {
	for _, d := range []string{c.ConfDir, c.LogDir, filepath.Join(c.dir, "tmp"), filepath.Join(c.dir, "web"), filepath.Join(c.dir, "blob")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// Logging configuration comes from the distribution; config.yaml is ours.
	entries, err := os.ReadDir(filepath.Join(c.Home, "conf"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "config.yaml" || e.Name() == "flink-conf.yaml" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(c.Home, "conf", e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(c.ConfDir, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(c.ConfDir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	base, err := flinkdist.DefaultConfig(c.Home)
	if err != nil {
		return err
	}
	conf, err := flinkdist.RenderConfig(clusterConfig(base, p, c.dir, overrides))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.ConfDir, "config.yaml"), conf, 0o644)
}

func (c *Cluster) spawn(name, script string, args ...string) error {
	out, err := os.Create(filepath.Join(c.LogDir, name+".out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(script, args...)
	cmd.Env, cmd.Dir = c.Env, c.dir
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: the scripts fork the JVM, and Stop must reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); out.Close() }()
	c.procs = append(c.procs, cmd)
	return nil
}

// Stop terminates every process (SIGTERM, then SIGKILL after 20 s) and removes the
// scratch directory it created. Safe to call more than once.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		for i := len(c.procs) - 1; i >= 0; i-- {
			stopGroup(c.procs[i])
		}
		if c.ownDir {
			os.RemoveAll(c.dir)
		}
	})
}

func stopGroup(cmd *exec.Cmd) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(-pgid, 0) != nil { // the whole group is gone
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// Logs returns the combined output of every process, for failure messages.
func (c *Cluster) Logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(c.LogDir, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "==> %s <==\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// waitReady polls /overview until the TaskManagers have registered, failing early when a
// process exits.
func (c *Cluster) waitReady(ctx context.Context, taskManagers int) error {
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for {
		for _, p := range c.procs {
			if p.ProcessState != nil {
				return fmt.Errorf("%s exited: %s", filepath.Base(p.Path), p.ProcessState)
			}
		}
		n, err := registeredTaskManagers(ctx, client, c.RESTURL)
		if err == nil && n >= taskManagers {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d of %d TaskManagers registered", n, taskManagers)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w; last: %s", ctx.Err(), last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func registeredTaskManagers(ctx context.Context, client *http.Client, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/overview", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /overview: %s", resp.Status)
	}
	var o struct {
		TaskManagers int `json:"taskmanagers"`
	}
	if err := json.Unmarshal(body, &o); err != nil {
		return 0, fmt.Errorf("GET /overview: %w", err)
	}
	return o.TaskManagers, nil
}

// freePorts reserves n distinct loopback ports by binding them together, then releases them.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
