package artifact

import (
	"fmt"
	"net/netip"
	"strings"
)

// blockedHostnames are cloud metadata endpoints by name; their addresses are also refused
// below, this just gives a clearer error before any lookup.
var blockedHostnames = []string{"metadata.google.internal", "metadata", "metadata.azure.com", "instance-data", "instance-data.ec2.internal"}

// blockedPrefixes are metadata services that are not link-local.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS IMDS over IPv6
}

// privatePrefixes are the ranges of cluster, VPC and corporate networks (RFC 1918, carrier
// NAT, IPv6 unique-local): reachable from the operator, not from the user who names a URL,
// so they are refused unless the policy lists them.
var privatePrefixes = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
}

// checkAddr refuses addresses a jar download must never reach: loopback (the operator's own
// ports), link-local (169.254.169.254 and friends, incl. IPv6 fe80::/10), unspecified,
// multicast and the metadata services above, whatever the policy; and private ranges
// unless the policy allows this address or its host name (allowHost).
func (p Policy) checkAddr(a netip.Addr, allowHost bool) error {
	a = a.Unmap()
	if v4, ok := embeddedIPv4(a); ok {
		if err := p.checkAddr(v4, allowHost); err != nil {
			return fmt.Errorf("address %s embeds %w", a, err)
		}
	}
	switch {
	case a.IsLoopback():
		return fmt.Errorf("address %s is loopback", a)
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return fmt.Errorf("address %s is link-local (cloud metadata services live there)", a)
	case a.IsUnspecified():
		return fmt.Errorf("address %s is unspecified", a)
	case a.IsMulticast():
		return fmt.Errorf("address %s is multicast", a)
	}
	for _, b := range blockedPrefixes {
		if b.Contains(a) {
			return fmt.Errorf("address %s is a metadata service", a)
		}
	}
	for _, b := range privatePrefixes {
		if b.Contains(a) && !allowHost && !p.cidrAllowed(a) {
			return fmt.Errorf("address %s is in the private range %s, which the operator does not allow jar downloads from", a, b)
		}
	}
	return nil
}

// checkHostname refuses metadata endpoints by name and literal addresses that checkAddr
// refuses; names are checked again, by address, when the connection is made.
func (p Policy) checkHostname(host string) error {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, b := range blockedHostnames {
		if h == b {
			return fmt.Errorf("host %q is a metadata service", host)
		}
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("host %q is loopback", host)
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return p.checkAddr(a, p.hostAllowed(strings.Trim(h, "[]")))
	}
	return nil
}

// NAT64 and 6to4 addresses reach an IPv4 address through a gateway; that address is
// checked too.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
