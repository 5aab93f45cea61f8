package datadogintake

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Hosts are the addresses Flink's Datadog reporter posts to (DataCenter US and EU; the
// api. names are those of later Flink releases), all served by the intake.
var Hosts = []string{"app.datadoghq.com", "app.datadoghq.eu", "api.datadoghq.com", "api.datadoghq.eu"}

// TrustStorePassword protects the trust store's integrity check; it guards no secret.
const TrustStorePassword = "weir-test"

// Series is one series of a reporter's post, as Datadog's v1 API defines it.
type Series struct {
	Metric string      `json:"metric"`
	Type   string      `json:"type"`
	Host   string      `json:"host"`
	Tags   []string    `json:"tags"`
	Points [][]float64 `json:"points"`
	// Target is the host the reporter addressed (from its CONNECT), e.g. app.datadoghq.eu.
	Target string `json:"-"`
}

// Tag returns the value of the tag key ("app" for "app:orders") and whether it is there.
func (s Series) Tag(key string) (string, bool) {
	for _, t := range s.Tags {
		if k, v, ok := strings.Cut(t, ":"); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// Intake is a running intake; Close stops it.
type Intake struct {
	// ProxyHost and ProxyPort are the reporter's proxyHost and proxyPort.
	ProxyHost string
	ProxyPort int
	// TrustStore is the JKS file that holds the intake's CA; CAPEM is the CA in PEM.
	TrustStore string
	CAPEM      []byte

	proxy, tlsSrv *http.Server
	conns         *connListener
	ownDir        string // removed by Close

	mu       sync.Mutex
	series   []Series
	apiKeys  map[string]bool
	connects []string
	bad      []string
	// nonNumeric: metric name → a value sent as a string ("NaN").
	nonNumeric map[string]string
}

// Options configure Start.
type Options struct {
	// Listen is the proxy's address; default "127.0.0.1:0". Use an address the Flink
	// processes reach (e.g. ":0" for pods in a local cluster, with ProxyHost set below).
	Listen string
	// ProxyHost is the host the reporter is told to use; default the listener's IP.
	ProxyHost string
	// Dir receives the trust store; default a new temporary directory removed by Close.
	Dir string
}

// Start runs an intake until Close.
func Start(o Options) (*Intake, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	cert, caDER, caPEM, err := certificates()
	if err != nil {
		return nil, err
	}
	in := &Intake{CAPEM: caPEM, apiKeys: map[string]bool{}, nonNumeric: map[string]string{}}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "weir-datadog-intake-"); err != nil {
			return nil, err
		}
		in.ownDir = dir
	}
	in.TrustStore = filepath.Join(dir, "datadog-intake-ca.jks")
	l, err := net.Listen("tcp", o.Listen)
	if err == nil {
		err = os.WriteFile(in.TrustStore, jksTrustStore(TrustStorePassword, "weir-datadog-intake", caDER, time.Now()), 0o644)
	}
	if err != nil {
		if l != nil {
			l.Close()
		}
		if in.ownDir != "" {
			_ = os.RemoveAll(in.ownDir)
		}
		return nil, err
	}
	addr := l.Addr().(*net.TCPAddr)
	in.ProxyHost, in.ProxyPort = o.ProxyHost, addr.Port
	if in.ProxyHost == "" {
		in.ProxyHost = addr.IP.String()
	}

	in.conns = &connListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
	in.tlsSrv = &http.Server{
		Handler:           http.HandlerFunc(in.serveAPI),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = in.tlsSrv.ServeTLS(in.conns, "", "") }()
	in.proxy = &http.Server{Handler: http.HandlerFunc(in.serveProxy), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.proxy.Serve(l) }()
	return in, nil
}

// JavaOptions are the JVM options that make it trust the intake's CA (for
// env.java.opts.all). They replace the JVM's default trust store: with them the process
// trusts no other CA.
func (in *Intake) JavaOptions() string { return JavaOptionsAt(in.TrustStore) }

// Close stops the intake and removes the trust store it wrote into its own directory.
func (in *Intake) Close() {
	_ = in.proxy.Close()
	_ = in.tlsSrv.Close()
	in.conns.Close()
	if in.ownDir != "" {
		_ = os.RemoveAll(in.ownDir)
	}
}

// Series returns every series received so far, in order.
func (in *Intake) Series() []Series {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Series(nil), in.series...)
}

// Names returns the metric names received so far, sorted.
func (in *Intake) Names() []string {
	seen := map[string]bool{}
	for _, s := range in.Series() {
		seen[s.Metric] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SawAPIKey reports whether a request carried key as its api_key.
func (in *Intake) SawAPIKey(key string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.apiKeys[key]
}

// NonNumeric returns the metrics that sent a value as a string ("NaN", "Infinity"), with
// the last such value: Flink's reporter does so for a gauge without a value yet.
func (in *Intake) NonNumeric() map[string]string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.nonNumeric)
}

// Connects returns the CONNECT targets seen so far ("app.datadoghq.eu:443").
func (in *Intake) Connects() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.connects...)
}

// Errors returns what the intake refused: requests to other paths, bodies that are not
// Datadog series.
func (in *Intake) Errors() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.bad...)
}

func (in *Intake) refuse(w http.ResponseWriter, code int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	in.mu.Lock()
	in.bad = append(in.bad, msg)
	in.mu.Unlock()
	http.Error(w, msg, code)
}

// serveProxy answers CONNECT to Datadog's hosts by handing the connection to the TLS server.
func (in *Intake) serveProxy(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || port != "443" || !known(host) {
		in.refuse(w, http.StatusForbidden, "proxy: %s %s is not a CONNECT to Datadog", r.Method, r.Host)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		in.refuse(w, http.StatusInternalServerError, "proxy: cannot hijack")
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	in.mu.Lock()
	in.connects = append(in.connects, r.Host)
	in.mu.Unlock()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	in.conns.push(&bufferedConn{Conn: conn, r: buf.Reader})
}

// serveAPI is Datadog's API as the reporter uses it: the key check and series posts.
func (in *Intake) serveAPI(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("api_key")
	if key != "" {
		in.mu.Lock()
		in.apiKeys[key] = true
		in.mu.Unlock()
	}
	switch {
	case r.URL.Path == "/api/v1/validate" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"valid":true}`)
	case r.URL.Path == "/api/v1/series" && r.Method == http.MethodPost:
		series, odd, err := decodeSeries(r.Body)
		if err != nil {
			in.refuse(w, http.StatusBadRequest, "series: %v", err)
			return
		}
		host, _, _ := strings.Cut(r.Host, ":")
		in.mu.Lock()
		for _, s := range series {
			s.Target = host
			in.series = append(in.series, s)
		}
		for name, v := range odd {
			in.nonNumeric[name] = v
		}
		in.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	default:
		in.refuse(w, http.StatusNotFound, "api: %s %s", r.Method, r.URL.Path)
	}
}

func known(host string) bool {
	for _, h := range Hosts {
		if h == host {
			return true
		}
	}
	return false
}

// certificates makes a CA and a server certificate for Hosts signed by it.
func certificates() (tls.Certificate, []byte, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weir test Datadog intake CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: Hosts[0]}, DNSNames: Hosts,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	caPEM := pemBlock("CERTIFICATE", caDER)
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, caDER, caPEM, nil
}

// connListener hands hijacked proxy connections to the TLS server.
type connListener struct {
	addr net.Addr
	ch   chan net.Conn
	once sync.Once
	done chan struct{}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, errors.New("intake closed")
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// bufferedConn keeps what the proxy's reader had already read past the CONNECT.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
