package artifact

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"weir.dev/weir/internal/opconfig"
)

// Policy is the operator's rule for which jars it downloads on a user's behalf. It comes
// from the operator's own configuration, never from a resource: a tenant must not be able
// to widen what the operator fetches, nor from where.
type Policy struct {
	// AllowedSchemes are the URL schemes downloaded: "https", and "http" only when the
	// operator allows it. Empty means https only. local and file are never fetched: the
	// operator does not upload files from its own disk to a user's session cluster.
	AllowedSchemes []string
	// AllowedCIDRs are private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)
	// the operator may download from, say an in-cluster artifact repository. They never
	// open loopback, link-local or metadata addresses.
	AllowedCIDRs []netip.Prefix
	// AllowedHosts are host names that may resolve to private addresses: an exact name, or
	// "*.example.internal" for its subdomains.
	AllowedHosts []string
	// MaxBytes bounds a download; default 512 MiB.
	MaxBytes int64
	// Timeout bounds a whole download; default 5 minutes.
	Timeout time.Duration
	// IdleTimeout fails a download when no byte arrives for this long (connecting and
	// waiting for the response included); default 30 seconds.
	IdleTimeout time.Duration
}

// Defaults.
const (
	DefaultMaxBytes    = 512 << 20
	DefaultTimeout     = 5 * time.Minute
	DefaultIdleTimeout = 30 * time.Second
)

// fetchable are the schemes the operator can download at all.
var fetchable = []string{"https", "http"}

// withDefaults fills the zero fields.
func (p Policy) withDefaults() Policy {
	if len(p.AllowedSchemes) == 0 {
		p.AllowedSchemes = []string{"https"}
	}
	if p.MaxBytes <= 0 {
		p.MaxBytes = DefaultMaxBytes
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = DefaultIdleTimeout
	}
	return p
}

// Validate reports settings the fetcher cannot honour, for the operator's startup.
func (p Policy) Validate() error {
	for _, s := range p.AllowedSchemes {
		if !slices.Contains(fetchable, strings.ToLower(s)) {
			return fmt.Errorf("artifact policy: scheme %q cannot be downloaded by the operator; use https or http", s)
		}
	}
	return nil
}

// Schemes are the schemes downloaded under p, defaults applied (for validation's message).
func (p Policy) Schemes() []string {
	return p.withDefaults().AllowedSchemes
}

func (p Policy) schemeAllowed(scheme string) bool {
	scheme = strings.ToLower(scheme)
	return slices.Contains(fetchable, scheme) &&
		slices.ContainsFunc(p.AllowedSchemes, func(s string) bool { return strings.EqualFold(s, scheme) })
}

// hostAllowed says whether host is one of AllowedHosts.
func (p Policy) hostAllowed(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, a := range p.AllowedHosts {
		a = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a)), ".")
		if suffix, ok := strings.CutPrefix(a, "*."); ok {
			if strings.HasSuffix(h, "."+suffix) {
				return true
			}
		} else if a != "" && h == a {
			return true
		}
	}
	return false
}

// cidrAllowed says whether a lies in one of AllowedCIDRs.
func (p Policy) cidrAllowed(a netip.Addr) bool {
	return slices.ContainsFunc(p.AllowedCIDRs, func(c netip.Prefix) bool { return c.Contains(a) })
}

// ParseCIDRs reads a comma- or space-separated list of CIDRs or single addresses, for
// operator flags and configuration.
func ParseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if pfx, err := netip.ParsePrefix(f); err == nil {
			out = append(out, pfx.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("artifact policy: %q is neither a CIDR nor an address", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Operator configuration keys for the policy (the operator's own configuration only; a
// resource's flinkConfiguration never reaches PolicyFromConf).
const (
	KeySchemes     = opconfig.ArtifactsAllowedSchemes
	KeyCIDRs       = opconfig.ArtifactsAllowedCIDRs
	KeyHosts       = opconfig.ArtifactsAllowedHosts
	KeyMaxBytes    = opconfig.ArtifactsMaxBytes
	KeyTimeout     = opconfig.ArtifactsTimeout
	KeyIdleTimeout = opconfig.ArtifactsIdleTimeout
)

// PolicyFromConf reads a Policy from the operator's configuration; absent keys keep the
// defaults. Durations are Go durations ("90s", "5m").
func PolicyFromConf(conf map[string]string) (Policy, error) {
	var p Policy
	list := func(k string) []string {
		return strings.FieldsFunc(conf[k], func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
	}
	p.AllowedSchemes, p.AllowedHosts = list(KeySchemes), list(KeyHosts)
	var err error
	if p.AllowedCIDRs, err = ParseCIDRs(conf[KeyCIDRs]); err != nil {
		return Policy{}, err
	}
	if v := strings.TrimSpace(conf[KeyMaxBytes]); v != "" {
		if _, err := fmt.Sscan(v, &p.MaxBytes); err != nil || p.MaxBytes <= 0 {
			return Policy{}, fmt.Errorf("artifact policy: %s=%q is not a positive number of bytes", KeyMaxBytes, v)
		}
	}
	for k, d := range map[string]*time.Duration{KeyTimeout: &p.Timeout, KeyIdleTimeout: &p.IdleTimeout} {
		if v := strings.TrimSpace(conf[k]); v != "" {
			if *d, err = time.ParseDuration(v); err != nil || *d <= 0 {
				return Policy{}, fmt.Errorf("artifact policy: %s=%q is not a positive duration", k, v)
			}
		}
	}
	return p, p.Validate()
}
