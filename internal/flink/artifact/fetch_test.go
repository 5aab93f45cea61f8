package artifact

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// serveOn starts h on addr ("127.0.0.1:0" or a non-loopback address) and counts requests.
func serveOn(t *testing.T, addr string, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

// hostIP returns a non-loopback IPv4 address of this machine, where a test server is
// reachable without being refused as loopback.
func hostIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}

var jarBytes = []byte("PK\x03\x04 not really a jar, but bytes are bytes")

func TestDownloadFromAnAllowedHost(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	f := New()
	f.Dir = t.TempDir()
	jar, err := f.Fetch(context.Background(), srv.URL+"/repo/app-1.0.jar?token=x")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(jar.Path)
	if !bytes.Equal(got, jarBytes) || jar.Name != "app-1.0.jar" {
		t.Errorf("name %q, %d bytes", jar.Name, len(got))
	}
	if err := jar.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(jar.Path); !os.IsNotExist(err) {
		t.Errorf("downloaded jar not removed by Close")
	}
}

func TestLoopbackIsRefusedBeforeAnyRequest(t *testing.T) {
	srv, hits := serveOn(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL + "/x.jar", "http://localhost" + port + "/x.jar", "http://[::ffff:127.0.0.1]" + port + "/x.jar"} {
		_, err := New().Fetch(context.Background(), u)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: want a loopback refusal, got %v", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the loopback server", hits.Load())
	}
}

// A name that resolves to loopback (here through /etc/hosts) is refused when connecting:
// the check runs on the resolved address, so DNS tricks do not get around it.
func TestNameResolvingToLoopbackIsRefusedAtConnect(t *testing.T) {
	name := loopbackAlias(t)
	srv, hits := serveOn(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	_, err := New().Fetch(context.Background(), "http://"+name+port+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), "is loopback") || hits.Load() != 0 {
		t.Fatalf("http://%s%s: got %v with %d requests", name, port, err, hits.Load())
	}
	if !strings.Contains(err.Error(), "refusing to fetch from 127.") {
		t.Errorf("refused before connecting, not by the address check: %v", err)
	}
}

func loopbackAlias(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/etc/hosts")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(strings.SplitN(s.Text(), "#", 2)[0])
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "127.") {
			continue
		}
		for _, n := range fields[1:] {
			if !strings.Contains(n, "localhost") {
				return n
			}
		}
	}
	t.Skip("/etc/hosts has no loopback alias other than localhost")
	return ""
}

func TestRedirectToMetadataIsRefused(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	_, err := New().Fetch(context.Background(), srv.URL+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Fatalf("got %v", err)
	}
}

func TestForbiddenHostsAndSchemes(t *testing.T) {
	f := New()
	f.AllowedSchemes = []string{"https", "local"}
	cases := map[string]string{
		"http://repo.example/x.jar":              "scheme \"http\" is not allowed",
		"s3://bucket/x.jar":                      "scheme \"s3\" is not allowed",
		"https://169.254.169.254/x.jar":          "link-local",
		"https://metadata.google.internal/x.jar": "metadata service",
		"https://[fe80::1]/x.jar":                "link-local",
		"https://100.100.100.200/x.jar":          "metadata service",
		"https://0.0.0.0/x.jar":                  "unspecified",
		"local:///definitely/not/here/job.jar":   "no such file",
		"https:///x.jar":                         "no host",
	}
	for u, want := range cases {
		if _, err := f.Fetch(context.Background(), u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want error containing %q, got %v", u, want, err)
		}
	}
}

func TestSizeLimitLeavesNothingBehind(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/java-archive") // no length: streamed
		w.(http.Flusher).Flush()
		_, _ = io.Copy(w, io.LimitReader(zeros{}, 4096))
	})
	f := New()
	f.Dir = t.TempDir()
	f.MaxBytes = 1000
	if _, err := f.Fetch(context.Background(), srv.URL+"/big.jar"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("got %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.Dir, "*")); len(left) != 0 {
		t.Errorf("partial download left behind: %v", left)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestLocalJarIsUsedInPlace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "job")
	if err := os.WriteFile(p, jarBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	jar, err := New().Fetch(context.Background(), "local://"+p)
	if err != nil {
		t.Fatal(err)
	}
	if jar.Path != p || jar.Name != "job.jar" {
		t.Errorf("%+v", jar)
	}
	_ = jar.Close()
	if _, err := os.Stat(p); err != nil {
		t.Errorf("Close removed a local jar: %v", err)
	}
}
