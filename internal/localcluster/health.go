package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// probeClient returns an HTTP client for d's probe: the API server is checked
// with the admin certificate against our CA; kcm and the scheduler serve
// self-signed certificates on loopback, so those are not verified.
func probeClient(l Layout, p Probe) (*http.Client, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback self-signed healthz
	if p.Admin {
		admin, err := tls.LoadX509KeyPair(l.PKI("admin.crt"), l.PKI("admin.key"))
		if err != nil {
			return nil, err
		}
		caPEM, err := os.ReadFile(l.PKI("ca.crt"))
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		tr.TLSClientConfig = &tls.Config{Certificates: []tls.Certificate{admin}, RootCAs: pool}
	}
	return &http.Client{Transport: tr, Timeout: 3 * time.Second}, nil
}

// probeOnce checks d once; nil means ready.
func probeOnce(ctx context.Context, l Layout, d Daemon) error {
	if d.Name == "containerd" {
		if !exists(l.ContainerdSock()) {
			return errors.New("socket not there yet")
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, err := run(cctx, "ctr", "--address", l.ContainerdSock(), "version")
		return err
	}
	if d.Probe.URL == "" {
		return nil
	}
	c, err := probeClient(l, d.Probe)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.Probe.URL, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", d.Probe.URL, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// exitedError is a daemon that died before it was ready; the log tail
// usually names the reason.
type exitedError struct{ name, how, log, tail string }

func (e *exitedError) Error() string {
	return fmt.Sprintf("%s exited during start-up (%s); last log lines (%s):\n%s", e.name, e.how, e.log, e.tail)
}

// daemonExited says whether d's recorded process has ended. For a daemon this process
// started, its reaped exit is the answer; /proc is only consulted for daemons an earlier
// `weir local up` started.
func daemonExited(l Layout, d Daemon) (bool, string) {
	pid, running := pidState(l, d)
	if c, ours := child(pid); ours {
		return c.exited, c.status
	}
	return !running, "no longer running"
}

// waitReady polls d until it is ready, failing fast (with its log tail) if the
// process exits.
func waitReady(ctx context.Context, l Layout, d Daemon, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if exited, how := daemonExited(l, d); exited {
			return &exitedError{name: d.Name, how: how, log: l.LogFile(d.Name), tail: logTail(l, d.Name, 15)}
		}
		if last = probeOnce(ctx, l, d); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w; see %s", d.Name, timeout, last, l.LogFile(d.Name))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func logTail(l Layout, name string, n int) string {
	b, err := os.ReadFile(l.LogFile(name))
	if err != nil {
		return ""
	}
	return lastLines(string(b), n)
}

// ctr runs the Debian ctr against our containerd in the CRI's namespace.
func ctr(ctx context.Context, l Layout, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", l.ContainerdSock(), "-n", "k8s.io"}, args...)...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return string(b), fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
	return string(b), nil
}
