package flinkconf

import (
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

// deployment decodes a FlinkDeployment manifest written in YAML, as a user would apply it.
func deployment(t *testing.T, manifest string) *v1beta1.FlinkDeployment {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	d := &v1beta1.FlinkDeployment{}
	if err := json.Unmarshal(j, d); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if d.Name == "" {
		d.ObjectMeta = metav1.ObjectMeta{Name: "basic", Namespace: "flink"}
	}
	return d
}
