package testenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Operator is bin/weir-operator run as a process of its own (its RSS and CPU are its own,
// and it can be killed like a crashed pod).
type Operator struct {
	Bin        string
	Args       []string
	Env        []string
	Log        io.Writer
	MetricsURL string
	probeURL   string
	cmd        *exec.Cmd
}

// NewOperator prepares the operator against kubeconfig on loopback ports, with /metrics
// in plain HTTP. Flink REST calls go to the rest Services' cluster IPs, which nothing
// serves here: the HTTP proxy setting sends them to deadFlink (DeadJobManagers), so they
// fail as they would against dead JobManagers and never leave the host; API server calls
// go to loopback, which Go never proxies.
func NewOperator(bin, kubeconfig, deadFlink string, log io.Writer, args ...string) *Operator {
	mport, pport := FreePort(), FreePort()
	return &Operator{
		Bin: bin,
		Args: append([]string{"--metrics-insecure", "--metrics-bind-address=127.0.0.1:" + mport,
			"--health-probe-bind-address=127.0.0.1:" + pport}, args...),
		Env:        append(os.Environ(), "KUBECONFIG="+kubeconfig, "HTTP_PROXY="+deadFlink, "http_proxy="+deadFlink, "NO_PROXY=", "no_proxy="),
		Log:        log,
		MetricsURL: "http://127.0.0.1:" + mport + "/metrics",
		probeURL:   "http://127.0.0.1:" + pport + "/readyz",
	}
}

// Start starts the process and waits for /readyz.
func (o *Operator) Start(ctx context.Context) error {
	o.cmd = exec.Command(o.Bin, o.Args...)
	o.cmd.Env, o.cmd.Stdout, o.cmd.Stderr = o.Env, o.Log, o.Log
	if err := o.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", o.Bin, err)
	}
	if err := WaitHTTP(ctx, o.probeURL, time.Minute); err != nil {
		return fmt.Errorf("operator not ready: %w", err)
	}
	return nil
}

// Pid is the running process's id.
func (o *Operator) Pid() int { return o.cmd.Process.Pid }

// Kill ends the process with SIGKILL (no cleanup, as a crash or an OOM kill) and reaps it.
func (o *Operator) Kill() {
	_ = o.cmd.Process.Kill()
	_ = o.cmd.Wait()
}

// Stop asks the process to stop (SIGTERM) and waits for it.
func (o *Operator) Stop() {
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	_ = o.cmd.Wait()
}

// DeadJobManagers returns a proxy URL whose listener accepts connections and never answers
// (hang), or at which nothing listens (refuse).
func DeadJobManagers(ctx context.Context, mode string) (string, error) {
	switch mode {
	case "refuse":
		return "http://127.0.0.1:" + FreePort(), nil
	case "hang":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		go func() { <-ctx.Done(); l.Close() }()
		go func() {
			var held []net.Conn // keep them open: the client must time out
			for {
				c, err := l.Accept()
				if err != nil {
					for _, c := range held {
						c.Close()
					}
					return
				}
				held = append(held, c)
				if len(held) > 4096 { // the client closed the old ones long ago
					held[0].Close()
					held = held[1:]
				}
			}
		}()
		return "http://" + l.Addr().String(), nil
	default:
		return "", fmt.Errorf("dead JobManagers %q: want hang or refuse", mode)
	}
}

// FreePort returns a loopback TCP port nothing listens on now.
func FreePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// WaitHTTP waits until url answers 200.
func WaitHTTP(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get(url) //nolint:gosec // a loopback URL built here
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %s", url, within)
}
