package validation

import (
	"encoding/json"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

// TestFKOBasicMemory runs FKO's basic example, in both resource forms, through validation
// and the builders: "2048m" is 2048 MiB for the JobManager container and for Flink.
func TestFKOBasicMemory(t *testing.T) {
	for _, file := range []string{"testdata/manifests/fko-main-basic.yaml", "testdata/manifests/basic.yaml"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			j, err := yaml.YAMLToJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			d := &v1beta1.FlinkDeployment{}
			if err := json.Unmarshal(j, d); err != nil {
				t.Fatal(err)
			}
			d.Namespace = "flink"
			if err := Deployment(d); err != nil {
				t.Fatalf("validation: %v", err)
			}
			set, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			c := set.JobManager.Spec.Template.Spec.Containers[0]
			if c.Name != resources.MainContainer {
				t.Fatalf("first container is %q", c.Name)
			}
			want := resource.MustParse("2048Mi")
			for what, l := range map[string]corev1.ResourceList{"request": c.Resources.Requests, "limit": c.Resources.Limits} {
				if got := l[corev1.ResourceMemory]; got.Cmp(want) != 0 {
					t.Errorf("JobManager memory %s = %s, want 2048Mi", what, got.String())
				}
				if got := l[corev1.ResourceCPU]; got.Cmp(resource.MustParse("1")) != 0 {
					t.Errorf("JobManager cpu %s = %s, want 1", what, got.String())
				}
			}
			conf, err := flinkconf.Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{flinkconf.KeyJMMemory, flinkconf.KeyTMMemory} {
				if b, err := flinkconf.ParseMemory(conf[k]); err != nil || b != 2048<<20 {
					t.Errorf("%s = %q (%d bytes, %v), want 2048m", k, conf[k], b, err)
				}
			}
		})
	}
}
