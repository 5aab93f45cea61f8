// Package s3test runs the real S3 server (versitygw, built into the weir cache like the
// cluster's binaries) on a free loopback port for tests.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/s3local"
)

// Enabled reports whether tests against the real S3 server are switched on (WEIR_S3_IT=1).
func Enabled() bool { return os.Getenv("WEIR_S3_IT") == "1" }

// Server is one running versitygw.
type Server struct {
	Endpoint string // http://127.0.0.1:<port>
	Creds    s3local.Credentials
	Root     string // one directory per bucket
}

// Start builds versitygw into the cache if it is missing, starts it serving a temporary
// directory, and stops it when the test ends. It skips the test unless WEIR_S3_IT=1 (the
// first build takes a minute or two).
func Start(t testing.TB) Server {
	t.Helper()
	if !Enabled() {
		t.Skip("set WEIR_S3_IT=1 to run tests against the real S3 server (versitygw)")
	}
	ctx := context.Background()
	bins, err := binaries.Select("versitygw")
	if err != nil {
		t.Fatal(err)
	}
	b := &binaries.Builder{Cache: binaries.Cache{Root: binaries.DefaultCacheDir()}, Out: testWriter{t}}
	if err := b.Ensure(ctx, bins); err != nil {
		t.Fatalf("build versitygw: %v", err)
	}
	creds, err := s3local.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := Server{Creds: creds, Root: filepath.Join(dir, "buckets")}
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.Endpoint = "http://" + listen
	logPath := filepath.Join(dir, "versitygw.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(b.Cache.Path(bins[0]), s3local.Args(listen, s.Root)...)
	cmd.Env = append(os.Environ(), s3local.Env(creds)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			raw, _ := os.ReadFile(logPath)
			t.Logf("versitygw log:\n%s", raw)
		}
	})
	if err := waitHealthy(s.Endpoint+s3local.HealthPath, exited, &waitErr, 30*time.Second); err != nil {
		raw, _ := os.ReadFile(logPath)
		t.Fatalf("versitygw on %s: %v\n%s", listen, err, raw)
	}
	return s
}

// waitHealthy polls the health endpoint; waitErr is read only once exited is closed.
func waitHealthy(url string, exited <-chan struct{}, waitErr *error, timeout time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("exited during start-up: %w", *waitErr)
		default:
		}
		resp, err := c.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %s: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
