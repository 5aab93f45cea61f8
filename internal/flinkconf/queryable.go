package flinkconf

import (
	"fmt"
	"strconv"
	"strings"

	"weir.dev/weir/internal/opconfig"
)

// Flink 1.x's queryable state (removed in Flink 2.0): with KeyQueryableStateEnable true each
// TaskManager runs a client proxy on the first free port of KeyQueryableStateProxyPorts.
const (
	KeyQueryableStateEnable     = "queryable-state.enable"
	KeyQueryableStateProxyPorts = "queryable-state.proxy.ports"
	// KeyQueryableStateType and KeyQueryableStateAnnotations shape the Service weir puts in
	// front of the proxies (a profile's queryableState becomes them).
	KeyQueryableStateType        = opconfig.QueryableStateType
	KeyQueryableStateAnnotations = opconfig.QueryableStateAnnotations
	// DefaultQueryableStateProxyPort is Flink's default of queryable-state.proxy.ports.
	DefaultQueryableStateProxyPort = 9069
)

// QueryableStateEnabled says whether the configuration turns queryable state on.
func QueryableStateEnabled(c Conf) bool {
	return strings.EqualFold(strings.TrimSpace(c[KeyQueryableStateEnable]), "true")
}

// QueryableStateProxyPort is the port a TaskManager's client proxy binds: Flink takes the
// first free port of the list or range ("9069", "9069-9075", "9069,9070"); a TaskManager pod
// runs one TaskManager, so that is the first one.
func QueryableStateProxyPort(c Conf) (int32, error) {
	v := strings.TrimSpace(c[KeyQueryableStateProxyPorts])
	if v == "" {
		return DefaultQueryableStateProxyPort, nil
	}
	first, _, _ := strings.Cut(v, ",")
	first, _, _ = strings.Cut(first, "-")
	p, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("%s %q is not a port, a list of ports or a range (e.g. \"9069\" or \"9069-9075\")", KeyQueryableStateProxyPorts, v)
	}
	return int32(p), nil
}
