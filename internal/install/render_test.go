package install

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	appsv1 "k8s.io/api/apps/v1"

	"weir.dev/weir/charts"
)

// The operator's root filesystem is read-only, so the chart gives it a writable /tmp for
// the session-job jars it downloads (found by the session-job e2e: the download failed).
func TestChartGivesTheOperatorAWritableTmp(t *testing.T) {
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	for name, text := range out {
		if strings.HasSuffix(name, "deployment.yaml") {
			if err := yaml.Unmarshal([]byte(text), &dep); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	c := dep.Spec.Template.Spec.Containers
	if len(c) != 1 || c[0].SecurityContext == nil || c[0].SecurityContext.ReadOnlyRootFilesystem == nil || !*c[0].SecurityContext.ReadOnlyRootFilesystem {
		t.Fatalf("operator container: %+v", c)
	}
	var mounted bool
	for _, m := range c[0].VolumeMounts {
		mounted = mounted || m.MountPath == "/tmp"
	}
	var emptyDir bool
	for _, v := range dep.Spec.Template.Spec.Volumes {
		emptyDir = emptyDir || (v.Name == "artifacts" && v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil)
	}
	if !mounted || !emptyDir {
		t.Errorf("no emptyDir at /tmp: mounts %+v volumes %+v", c[0].VolumeMounts, dep.Spec.Template.Spec.Volumes)
	}
}
