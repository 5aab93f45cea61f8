package validation

import (
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func TestQueryableState(t *testing.T) {
	on := map[string]string{"queryable-state.enable": "true"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"queryable-state.enable": "true"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		version v1beta1.FlinkVersion
		conf    map[string]string
		expect  string // substring of the one problem; "": none
	}{
		{"off on 2.x", "v2_1", map[string]string{"queryable-state.enable": "false"}, ""},
		{"on 1.20", "v1_20", on, ""},
		{"on 1.19 with a range and a load balancer", "v1_19", with("queryable-state.proxy.ports", "9069-9075",
			"kubernetes.operator.weir.queryable-state.service-type", "LoadBalancer"), ""},
		{"on 2.0", "v2_0", on, "Flink 2.0 removed queryable state (flinkVersion v2_0)"},
		{"on 2.1 says what to do instead", "v2_1", on, "through a sink and query the store, or read a savepoint with the State Processor API"},
		{"a port that is none", "v1_20", with("queryable-state.proxy.ports", "proxy"), `queryable-state.proxy.ports "proxy" is not a port`},
		{"a port out of range", "v1_20", with("queryable-state.proxy.ports", "99999"), `queryable-state.proxy.ports "99999" is not a port`},
		{"an unknown service type", "v1_20", with("kubernetes.operator.weir.queryable-state.service-type", "ExternalName"),
			`kubernetes.operator.weir.queryable-state.service-type "ExternalName" is unknown`},
		{"a bad port is not checked when off", "v1_20", map[string]string{"queryable-state.proxy.ports": "proxy"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p problems
			checkQueryableState(&p, tc.version, tc.conf)
			if tc.expect == "" {
				if len(p) != 0 {
					t.Fatalf("problems %v, want none", p)
				}
				return
			}
			if len(p) != 1 || !strings.Contains(p[0], tc.expect) {
				t.Fatalf("problems %v, want one containing %q", p, tc.expect)
			}
		})
	}
}

// Deployment reports it: a Flink 2 session cluster asking for queryable state is rejected.
func TestDeploymentRejectsQueryableStateOnFlink2(t *testing.T) {
	m := `
metadata: {name: session, namespace: flink}
spec:
  flinkVersion: v2_1
  serviceAccount: flink
  flinkConfiguration: {queryable-state.enable: "true"}
  jobManager: {resources: {requests: {memory: 1Gi}}}
  taskManager: {resources: {limits: {memory: 1Gi}}}
`
	err := Deployment(decodeDeployment(t, m))
	if err == nil || !strings.Contains(err.Error(), "Flink 2.0 removed queryable state") {
		t.Fatalf("error %v, want the Flink 2 queryable state problem", err)
	}
}
