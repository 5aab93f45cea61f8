package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Fetcher downloads job jars under a Policy. The zero value is not usable; use New.
type Fetcher struct {
	// Dir receives downloads; default the system temp dir.
	Dir string

	policy Policy
	client *http.Client
}

// New returns a Fetcher whose HTTP client checks every address it connects to (after DNS
// resolution, on every redirect), so a name that resolves to a forbidden address is
// refused as well as a literal one.
func New(p Policy) *Fetcher {
	f := &Fetcher{policy: p.withDefaults()}
	tr := &http.Transport{
		Proxy:               nil, // a proxy would connect on our behalf, past the address check
		DialContext:         f.dial,
		TLSHandshakeTimeout: 30 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// dial connects to addr (host:port as in the URL, no proxy) and checks the resolved
// address right before connect; the host name decides whether AllowedHosts applies.
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	allowHost := f.policy.hostAllowed(host)
	d := &net.Dialer{Timeout: 30 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refusing to connect to %q: %w", address, err)
		}
		if err := f.policy.checkAddr(ap.Addr(), allowHost); err != nil {
			return fmt.Errorf("refusing to fetch from %s: %w", address, err)
		}
		return nil
	}}
	return d.DialContext(ctx, network, addr)
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	return f.checkURL(req.URL)
}

func (f *Fetcher) checkURL(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	if scheme == "local" || scheme == "file" {
		// Said the same way whether or not such a file exists: nothing about the
		// operator's disk is revealed.
		return fmt.Errorf("jar URI scheme %q names a file on the operator's disk, which is never uploaded to a session cluster; serve the jar over https", u.Scheme)
	}
	if !f.policy.schemeAllowed(scheme) {
		return fmt.Errorf("jar URI scheme %q is not allowed by the operator; allowed: %s", u.Scheme, strings.Join(f.policy.AllowedSchemes, ", "))
	}
	if u.Hostname() == "" {
		return fmt.Errorf("jar URI %q has no host", u.Redacted())
	}
	if err := f.policy.checkHostname(u.Hostname()); err != nil {
		return fmt.Errorf("refusing to fetch %s: %w", u.Redacted(), err)
	}
	return nil
}

// Jar is a downloaded jar on local disk.
type Jar struct {
	Path string
	Name string // file name to upload under, ending in .jar
}

// Close removes the downloaded jar.
func (j *Jar) Close() error {
	if j == nil || j.Path == "" {
		return nil
	}
	return os.Remove(j.Path)
}

// errIdle ends a download whose server stopped sending.
var errIdle = errors.New("idle")

// Fetch downloads the jar at uri (https, or http when the policy allows it), size- and
// time-bounded, every connected address checked.
func (f *Fetcher) Fetch(ctx context.Context, uri string) (*Jar, error) {
	if f.client == nil {
		return nil, errors.New("artifact.Fetcher must be made with artifact.New")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("jar URI %q is not a valid URI", uri)
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	return f.download(ctx, u, jarName(u.Path))
}

func (f *Fetcher) download(ctx context.Context, u *url.URL, name string) (*Jar, error) {
	p := f.policy
	ctx, cancelAll := context.WithTimeout(ctx, p.Timeout)
	defer cancelAll()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// One timer covers connecting, waiting for the answer and every gap between reads.
	idle := time.AfterFunc(p.IdleTimeout, func() { cancel(errIdle) })
	defer idle.Stop()
	fail := func(err error) error {
		switch {
		case errors.Is(context.Cause(ctx), errIdle):
			err = fmt.Errorf("the server sent nothing for %s", p.IdleTimeout)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("the download took longer than %s", p.Timeout)
		}
		return fmt.Errorf("fetching jar %s: %w", u.Redacted(), err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching jar %s: HTTP %s", u.Redacted(), resp.Status)
	}
	if resp.ContentLength > p.MaxBytes {
		return nil, fmt.Errorf("jar %s is %d bytes, over the %d byte limit", u.Redacted(), resp.ContentLength, p.MaxBytes)
	}
	tmp, err := os.CreateTemp(f.Dir, "weir-jar-*.jar")
	if err != nil {
		return nil, fmt.Errorf("fetching jar %s: no room for it on the operator: %w", u.Redacted(), errors.Unwrap(err))
	}
	body := &idleReader{r: io.LimitReader(resp.Body, p.MaxBytes+1), t: idle, d: p.IdleTimeout}
	n, err := io.Copy(tmp, body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > p.MaxBytes {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("jar %s exceeds the %d byte limit", u.Redacted(), p.MaxBytes)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fail(err)
	}
	return &Jar{Path: tmp.Name(), Name: name}, nil
}

// idleReader restarts the idle timer whenever bytes arrive.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (i *idleReader) Read(b []byte) (int, error) {
	n, err := i.r.Read(b)
	if n > 0 {
		i.t.Reset(i.d)
	}
	return n, err
}

// jarName is the last path element, made to end in .jar (Flink refuses other uploads).
func jarName(p string) string {
	n := path.Base(p)
	if n == "." || n == "/" || n == "" {
		n = "job"
	}
	n = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '"' {
			return '_'
		}
		return r
	}, n)
	if !strings.HasSuffix(n, ".jar") {
		n += ".jar"
	}
	return filepath.Base(n)
}
