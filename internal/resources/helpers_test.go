package resources

import (
	"encoding/json"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

// decode reads a FlinkDeployment manifest as a user writes it; name and namespace default
// to basic/flink.
func decode(t *testing.T, manifest string) *v1beta1.FlinkDeployment {
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
		d.Name = "basic"
	}
	if d.Namespace == "" {
		d.Namespace = "flink"
	}
	d.UID = "uid-1"
	return d
}

func build(t *testing.T, manifest string, restore *Restore, jobID string) *Set {
	t.Helper()
	d := decode(t, manifest)
	s, err := Build(Input{Deployment: d, Spec: &d.Spec, Restore: restore, JobID: jobID})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}
