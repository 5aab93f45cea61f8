package artifact

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

// allowing is the policy an operator writes to let its own test server (plain http on
// this machine's address) through; the defaults are not weakened.
func allowing(t *testing.T, srvURL string) Policy {
	t.Helper()
	u, err := url.Parse(srvURL)
	if err != nil {
		t.Fatal(err)
	}
	cidrs, err := ParseCIDRs(u.Hostname())
	if err != nil {
		t.Fatal(err)
	}
	return Policy{AllowedSchemes: []string{"https", "http"}, AllowedCIDRs: cidrs}
}

func TestDownloadFromAnAllowedHost(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	f := New(allowing(t, srv.URL))
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

// By default only https is fetched: a plain-http URL is refused before any request.
func TestDefaultPolicyIsHTTPSOnly(t *testing.T) {
	srv, hits := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	p := allowing(t, srv.URL)
	p.AllowedSchemes = nil
	_, err := New(p).Fetch(context.Background(), srv.URL+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), `scheme "http" is not allowed`) || hits.Load() != 0 {
		t.Fatalf("got %v with %d requests", err, hits.Load())
	}
}

// The operator's disk is never a source, whatever the policy lists, and the answer is the
// same whether the file exists or not.
func TestOperatorFilesAreNeverFetched(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "secret.jar")
	if err := os.WriteFile(exists, jarBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nothing.jar")
	f := New(Policy{AllowedSchemes: []string{"https", "http", "local", "file"}})
	for _, scheme := range []string{"local", "file", "FILE"} {
		_, e1 := f.Fetch(context.Background(), scheme+"://"+exists)
		_, e2 := f.Fetch(context.Background(), scheme+"://"+missing)
		if e1 == nil || e2 == nil {
			t.Fatalf("%s: fetched from the operator's disk: %v / %v", scheme, e1, e2)
		}
		if m1, m2 := strings.ReplaceAll(e1.Error(), exists, "P"), strings.ReplaceAll(e2.Error(), missing, "P"); m1 != m2 {
			t.Errorf("%s: the errors tell an existing file from a missing one:\n%s\n%s", scheme, m1, m2)
		}
	}
	if err := (Policy{AllowedSchemes: []string{"https", "file"}}).Validate(); err == nil {
		t.Error("a policy listing file validated")
	}
}

func TestLoopbackIsRefusedBeforeAnyRequest(t *testing.T) {
	srv, hits := serveOn(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jarBytes) })
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	// Even a policy naming loopback does not open it: the operator's own ports live there.
	p := Policy{AllowedSchemes: []string{"http"}, AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowedHosts: []string{"localhost"}}
	for _, u := range []string{srv.URL + "/x.jar", "http://localhost" + port + "/x.jar", "http://[::ffff:127.0.0.1]" + port + "/x.jar"} {
		_, err := New(p).Fetch(context.Background(), u)
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
	_, err := New(Policy{AllowedSchemes: []string{"http"}, AllowedHosts: []string{name}}).Fetch(context.Background(), "http://"+name+port+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), "is loopback") || hits.Load() != 0 {
		t.Fatalf("http://%s%s: got %v with %d requests", name, port, err, hits.Load())
	}
	if !strings.Contains(err.Error(), "refusing to fetch from 127.") {
		t.Errorf("refused before connecting, not by the address check: %v", err)
	}
}

func TestRedirectToMetadataIsRefused(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	_, err := New(allowing(t, srv.URL)).Fetch(context.Background(), srv.URL+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Fatalf("got %v", err)
	}
}

// An allowed server cannot send the download on to a private address it was not allowed.
func TestRedirectToPrivateRangeIsRefused(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/x.jar", http.StatusFound)
	})
	_, err := New(allowing(t, srv.URL)).Fetch(context.Background(), srv.URL+"/x.jar")
	if err == nil || !strings.Contains(err.Error(), "private range 10.0.0.0/8") {
		t.Fatalf("got %v", err)
	}
}

func TestForbiddenHostsAndSchemes(t *testing.T) {
	f := New(Policy{AllowedSchemes: []string{"https"}})
	cases := map[string]string{
		"http://repo.example/x.jar":              "scheme \"http\" is not allowed",
		"s3://bucket/x.jar":                      "scheme \"s3\" is not allowed",
		"https://169.254.169.254/x.jar":          "link-local",
		"https://metadata.google.internal/x.jar": "metadata service",
		"https://[fe80::1]/x.jar":                "link-local",
		"https://100.100.100.200/x.jar":          "metadata service",
		"https://0.0.0.0/x.jar":                  "unspecified",
		"https://10.1.2.3/x.jar":                 "private range 10.0.0.0/8",
		"https://172.20.0.1/x.jar":               "private range 172.16.0.0/12",
		"https://192.168.1.1/x.jar":              "private range 192.168.0.0/16",
		"https://100.64.0.1/x.jar":               "private range 100.64.0.0/10",
		"https://[fd12::1]/x.jar":                "private range fc00::/7",
		"https://[::ffff:10.0.0.1]/x.jar":        "private range 10.0.0.0/8",
		"https://[64:ff9b::a9fe:a9fe]/x.jar":     "embeds address 169.254.169.254 is link-local",
		"https://[2002:c0a8:0101::1]/x.jar":      "embeds address 192.168.1.1 is in the private range",
		"local:///definitely/not/here/job.jar":   "never uploaded",
		"https:///x.jar":                         "no host",
	}
	for u, want := range cases {
		if _, err := f.Fetch(context.Background(), u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want error containing %q, got %v", u, want, err)
		}
	}
}

// Private ranges open only as far as the operator lists them, by CIDR or by host name;
// the check is the one the dialer runs on every resolved address.
func TestPrivateRangesOpenOnlyWhereAllowed(t *testing.T) {
	p := Policy{AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}, AllowedHosts: []string{"nexus.build.svc", "*.corp.internal"}}
	for _, c := range []struct {
		host, addr string
		ok         bool
	}{
		{"a.example", "10.20.3.4", true},
		{"a.example", "10.21.3.4", false},
		{"nexus.build.svc", "10.99.0.1", true},
		{"nexus.build.svc.", "192.168.1.1", true},
		{"jars.corp.internal", "172.16.5.5", true},
		{"corp.internal", "172.16.5.5", false},
		{"nexus.build.svc", "169.254.169.254", false},
		{"nexus.build.svc", "127.0.0.1", false},
		{"a.example", "203.0.113.7", true},
	} {
		err := p.checkAddr(netip.MustParseAddr(c.addr), p.hostAllowed(c.host))
		if (err == nil) != c.ok {
			t.Errorf("%s at %s: allowed=%v, want %v (%v)", c.host, c.addr, err == nil, c.ok, err)
		}
	}
	// The real dialer refuses before connecting.
	_, err := New(Policy{}).dial(context.Background(), "tcp", "10.255.255.1:80")
	if err == nil || !strings.Contains(err.Error(), "private range") {
		t.Errorf("dial: %v", err)
	}
}

// A server that stops sending fails the download after the idle timeout, long before the
// overall limit.
func TestStalledDownloadFails(t *testing.T) {
	stop := make(chan struct{})
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/java-archive")
		_, _ = w.Write(jarBytes)
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	defer close(stop)
	p := allowing(t, srv.URL)
	p.IdleTimeout, p.Timeout = 300*time.Millisecond, time.Hour
	f := New(p)
	f.Dir = t.TempDir()
	_, err := f.Fetch(context.Background(), srv.URL+"/slow.jar")
	if err == nil || !strings.Contains(err.Error(), "sent nothing for 300ms") {
		t.Fatalf("got %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.Dir, "*")); len(left) != 0 {
		t.Errorf("partial download left behind: %v", left)
	}
}

func TestSizeLimitLeavesNothingBehind(t *testing.T) {
	srv, _ := serveOn(t, hostIP(t)+":0", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/java-archive") // no length: streamed
		w.(http.Flusher).Flush()
		_, _ = io.Copy(w, io.LimitReader(zeros{}, 4096))
	})
	p := allowing(t, srv.URL)
	p.MaxBytes = 1000
	f := New(p)
	f.Dir = t.TempDir()
	if _, err := f.Fetch(context.Background(), srv.URL+"/big.jar"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("got %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.Dir, "*")); len(left) != 0 {
		t.Errorf("partial download left behind: %v", left)
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

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
