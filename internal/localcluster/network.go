package localcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
)

// ensureBridge creates the bridge with the gateway address before anything
// starts: the API server and kubelet bind to it, and the CNI bridge plugin reuses it.
func ensureBridge(ctx context.Context) (created bool, err error) {
	if _, err := net.InterfaceByName(BridgeName); err != nil {
		if _, err := run(ctx, "ip", "link", "add", BridgeName, "type", "bridge"); err != nil {
			return false, fmt.Errorf("create bridge %s (kernel needs CONFIG_BRIDGE): %w", BridgeName, err)
		}
		created = true
	}
	out, err := run(ctx, "ip", "-o", "addr", "show", "dev", BridgeName)
	if err != nil {
		return created, err
	}
	if !strings.Contains(out, " "+BridgeCIDR+" ") {
		if _, err := run(ctx, "ip", "addr", "add", BridgeCIDR, "dev", BridgeName); err != nil {
			return created, err
		}
	}
	if _, err := run(ctx, "ip", "link", "set", BridgeName, "up"); err != nil {
		return created, err
	}
	// Host -> ClusterIP traffic goes to the bridge, not out of the NIC.
	if _, err := run(ctx, "ip", "route", "replace", ServiceCIDR, "dev", BridgeName, "src", BridgeIP); err != nil {
		return created, err
	}
	return created, nil
}

// removeBridge deletes the service route, leftover veths on the bridge and the bridge.
func removeBridge(ctx context.Context) error {
	if _, err := net.InterfaceByName(BridgeName); err != nil {
		return nil
	}
	_, _ = run(ctx, "ip", "route", "del", ServiceCIDR, "dev", BridgeName)
	out, _ := run(ctx, "ip", "-o", "link", "show", "master", BridgeName)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		_, _ = run(ctx, "ip", "link", "del", name)
	}
	_, err := run(ctx, "ip", "link", "del", BridgeName)
	return err
}

const ipForwardPath = "/proc/sys/net/ipv4/ip_forward"

func readSysctl(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func writeSysctl(path, v string) error {
	if err := os.WriteFile(path, []byte(v+"\n"), 0o644); err != nil {
		return fmt.Errorf("set %s=%s: %w", path, v, err)
	}
	return nil
}
