package charts_test

import (
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// `helm lint` through the SDK: both charts lint without an error or warning (INFO lines,
// such as a missing icon, are logged), their values checked against their schemas.
func TestChartsLint(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		values map[string]any
	}{
		{"weir-operator", nil},
		{"weir-operator", map[string]any{"watchNamespaces": []any{"team-a"}, "replicas": 2}},
		{"weir-app", map[string]any{"jarURI": "local:///opt/flink/usrlib/app.jar"}},
		{"weir-app", map[string]any{"sessionJobs": []any{map[string]any{"name": "a", "jarURI": "https://repo.example/a.jar"}}, "serviceAccount": map[string]any{"create": true}}},
	} {
		res := lint.AllWithKubeVersionAndSchemaValidation(tc.dir, tc.values, "team-a", nil, false)
		for _, m := range res.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("%s %v: %s", tc.dir, tc.values, m)
			} else {
				t.Logf("%s: %s", tc.dir, m)
			}
		}
	}
	// A chart that fails its schema is not lint-clean: the check above can fail.
	res := lint.AllWithKubeVersionAndSchemaValidation("weir-app", map[string]any{"parallelism": 0}, "team-a", nil, false)
	if res.HighestSeverity < support.ErrorSev {
		t.Errorf("bad values linted clean: %v", res.Messages)
	}
}
