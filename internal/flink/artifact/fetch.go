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
	"slices"
	"strings"
	"syscall"
	"time"
)

// Fetcher downloads job jars. The zero value is not usable; use New.
type Fetcher struct {
	// AllowedSchemes lists the accepted URI schemes (FKO's
	// kubernetes.operator.user.artifacts.allowed-schemes); default http, https, local, file.
	AllowedSchemes []string
	// MaxBytes bounds a download; default 512 MiB.
	MaxBytes int64
	// Timeout bounds one download; default 5 minutes.
	Timeout time.Duration
	// Dir receives downloads; default the system temp dir.
	Dir string

	client *http.Client
}

// DefaultSchemes are the schemes accepted when none are configured.
var DefaultSchemes = []string{"http", "https", "local", "file"}

// New returns a Fetcher whose HTTP client checks every address it connects to (after DNS
// resolution, on every redirect), so a name that resolves to a forbidden address is
// refused as well as a literal one.
func New() *Fetcher {
	d := &net.Dialer{Timeout: 30 * time.Second, Control: dialControl}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, past the address check
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		ForceAttemptHTTP2:     true,
	}
	f := &Fetcher{MaxBytes: 512 << 20, Timeout: 5 * time.Minute}
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// dialControl runs with the resolved address right before connect.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %q: %w", address, err)
	}
	if err := checkAddr(ap.Addr()); err != nil {
		return fmt.Errorf("refusing to fetch from %s: %w", address, err)
	}
	return nil
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	return f.checkURL(req.URL)
}

func (f *Fetcher) schemes() []string {
	if len(f.AllowedSchemes) == 0 {
		return DefaultSchemes
	}
	return f.AllowedSchemes
}

func (f *Fetcher) checkURL(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	if !slices.ContainsFunc(f.schemes(), func(s string) bool { return strings.EqualFold(s, scheme) }) {
		return fmt.Errorf("jar URI scheme %q is not allowed; allowed: %s", u.Scheme, strings.Join(f.schemes(), ", "))
	}
	if scheme == "http" || scheme == "https" {
		if u.Hostname() == "" {
			return fmt.Errorf("jar URI %q has no host", u.Redacted())
		}
		if err := checkHostname(u.Hostname()); err != nil {
			return fmt.Errorf("refusing to fetch %s: %w", u.Redacted(), err)
		}
	}
	return nil
}

// Jar is a fetched jar on local disk.
type Jar struct {
	Path string
	Name string // file name to upload under, ending in .jar
	// temp says Path was downloaded and is removed by Close.
	temp bool
}

// Close removes a downloaded jar; local jars are left alone.
func (j *Jar) Close() error {
	if j == nil || !j.temp {
		return nil
	}
	return os.Remove(j.Path)
}

// Fetch makes the jar at uri available as a local file: local:// and file:// name a file on
// the operator's disk; http(s) are downloaded (size- and time-bounded, address-checked).
func (f *Fetcher) Fetch(ctx context.Context, uri string) (*Jar, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("jar URI %q is not a valid URI: %w", uri, err)
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	name := jarName(u.Path)
	switch strings.ToLower(u.Scheme) {
	case "local", "file":
		if _, err := os.Stat(u.Path); err != nil {
			return nil, fmt.Errorf("jar %s: %w", uri, err)
		}
		return &Jar{Path: u.Path, Name: name}, nil
	case "http", "https":
		return f.download(ctx, u, name)
	}
	return nil, fmt.Errorf("jar URI scheme %q cannot be fetched by the operator", u.Scheme)
}

func (f *Fetcher) download(ctx context.Context, u *url.URL, name string) (*Jar, error) {
	if f.client == nil {
		return nil, errors.New("artifact.Fetcher must be made with artifact.New")
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching jar %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching jar %s: HTTP %s", u.Redacted(), resp.Status)
	}
	if resp.ContentLength > f.MaxBytes {
		return nil, fmt.Errorf("jar %s is %d bytes, over the %d byte limit", u.Redacted(), resp.ContentLength, f.MaxBytes)
	}
	tmp, err := os.CreateTemp(f.Dir, "weir-jar-*.jar")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, f.MaxBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > f.MaxBytes {
		err = fmt.Errorf("jar %s exceeds the %d byte limit", u.Redacted(), f.MaxBytes)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("fetching jar %s: %w", u.Redacted(), err)
	}
	return &Jar{Path: tmp.Name(), Name: name, temp: true}, nil
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
