package validation

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// TestExamples checks that every FKO-style manifest under examples/ validates and builds:
// they are applied unchanged by the controller's integration tests.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Skip("no examples/ manifests in this tree")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var sessions []*v1beta1.FlinkDeployment
		var jobs []*v1beta1.FlinkSessionJob
		for _, doc := range bytes.Split(raw, []byte("\n---")) {
			j, err := yaml.YAMLToJSON(doc)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var meta struct{ Kind string }
			_ = json.Unmarshal(j, &meta)
			switch meta.Kind {
			case "FlinkDeployment":
				d := &v1beta1.FlinkDeployment{}
				if err := json.Unmarshal(j, d); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if d.Namespace == "" {
					d.Namespace = "default"
				}
				if err := Deployment(d); err != nil {
					t.Errorf("%s: %s: %v", file, d.Name, err)
				}
				if _, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec}); err != nil {
					t.Errorf("%s: %s does not build: %v", file, d.Name, err)
				}
				sessions = append(sessions, d)
			case "FlinkSessionJob":
				sj := &v1beta1.FlinkSessionJob{}
				if err := json.Unmarshal(j, sj); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				jobs = append(jobs, sj)
			}
		}
		for _, sj := range jobs {
			var session *v1beta1.FlinkDeployment
			for _, d := range sessions {
				if d.Name == sj.Spec.DeploymentName {
					session = d
				}
			}
			if err := SessionJob(sj, session); err != nil {
				t.Errorf("%s: %s: %v", file, sj.Name, err)
			}
		}
	}
}
