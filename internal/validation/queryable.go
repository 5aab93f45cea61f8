package validation

import (
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// checkQueryableState rejects queryable state where Flink has none (2.0 removed it), a proxy
// port weir cannot put on a Service, and an unknown Service type.
func checkQueryableState(p *problems, version v1beta1.FlinkVersion, conf map[string]string) {
	c := flinkconf.Conf(conf)
	if !flinkconf.QueryableStateEnabled(c) {
		return
	}
	if !strings.HasPrefix(string(version), "v1_") {
		p.add("spec.flinkConfiguration %s is true, but Flink 2.0 removed queryable state (flinkVersion %s): "+
			"remove the key, or run the job on Flink 1.x (v1_20); to serve state from Flink 2, write it to a store "+
			"through a sink and query the store, or read a savepoint with the State Processor API", flinkconf.KeyQueryableStateEnable, version)
		return
	}
	if _, err := flinkconf.QueryableStateProxyPort(c); err != nil {
		p.add("spec.flinkConfiguration %s", err.Error())
	}
	switch t := strings.TrimSpace(conf[flinkconf.KeyQueryableStateType]); t {
	case "", "ClusterIP", "NodePort", "LoadBalancer":
	default:
		p.add("spec.flinkConfiguration %s %q is unknown; use ClusterIP, NodePort or LoadBalancer", flinkconf.KeyQueryableStateType, t)
	}
}
