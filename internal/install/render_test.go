package install

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/charts"
	"weir.dev/weir/internal/opconfig"
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

// The chart's defaultConfiguration becomes the flink-operator-config ConfigMap (weir's
// defaults first unless append is false), mounted where --config-dir points.
func TestChartRendersTheOperatorConfig(t *testing.T) {
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	render := func(values map[string]any) (cm *corev1.ConfigMap, dep *appsv1.Deployment) {
		t.Helper()
		vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := engine.Render(ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		dep = &appsv1.Deployment{}
		for name, text := range out {
			switch {
			case strings.HasSuffix(name, "deployment.yaml"):
				if err := yaml.Unmarshal([]byte(text), dep); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			case strings.HasSuffix(name, "operator-config.yaml") && strings.TrimSpace(text) != "":
				cm = &corev1.ConfigMap{}
				if err := yaml.Unmarshal([]byte(text), cm); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, text)
				}
			}
		}
		return cm, dep
	}
	cm, dep := render(map[string]any{"defaultConfiguration": map[string]any{
		"flink-conf.yaml": "kubernetes.operator.reconcile.interval: 30 s\ntaskmanager.numberOfTaskSlots: 4\n",
		"config.yaml":     "kubernetes:\n  operator:\n    label.selector: team=a\n",
	}})
	if cm == nil || cm.Name != "flink-operator-config" || cm.Namespace != "weir-system" {
		t.Fatalf("no flink-operator-config ConfigMap: %+v", cm)
	}
	conf := cm.Data["flink-conf.yaml"]
	weirDefault := strings.Index(conf, "kubernetes.operator.reconcile.parallelism: 10")
	user := strings.Index(conf, "kubernetes.operator.reconcile.interval: 30 s")
	if weirDefault < 0 || user < weirDefault || !strings.Contains(conf, "taskmanager.numberOfTaskSlots: 4") {
		t.Errorf("flink-conf.yaml (weir's defaults, then the values'):\n%s", conf)
	}
	if !strings.Contains(cm.Data["config.yaml"], "label.selector: team=a") {
		t.Errorf("config.yaml:\n%s", cm.Data["config.yaml"])
	}
	// What the operator reads from the mounted files: the values' lines win.
	files := map[string][]byte{}
	for k, v := range cm.Data {
		files[k] = []byte(v)
	}
	flat, err := opconfig.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if flat[opconfig.ReconcileInterval] != "30 s" || flat[opconfig.ReconcileParallelism] != "10" || flat[opconfig.LabelSelector] != "team=a" {
		t.Errorf("the operator reads %v", flat)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	var arg, mount, volume bool
	for _, a := range c.Args {
		arg = arg || a == "--config-dir=/opt/weir/conf"
	}
	for _, m := range c.VolumeMounts {
		mount = mount || (m.Name == "operator-config" && m.MountPath == "/opt/weir/conf" && m.ReadOnly)
	}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		volume = volume || (v.ConfigMap != nil && v.ConfigMap.Name == "flink-operator-config")
	}
	if !arg || !mount || !volume {
		t.Errorf("config not mounted at --config-dir: args %v mounts %+v", c.Args, c.VolumeMounts)
	}

	cm, _ = render(map[string]any{"defaultConfiguration": map[string]any{"append": false, "flink-conf.yaml": "a: b\n"}})
	if cm == nil || strings.Contains(cm.Data["flink-conf.yaml"], "parallelism") || !strings.Contains(cm.Data["flink-conf.yaml"], "a: b") {
		t.Errorf("append=false:\n%+v", cm)
	}
	if cm, _ = render(map[string]any{"defaultConfiguration": map[string]any{"create": false}}); cm != nil {
		t.Errorf("create=false rendered %+v", cm)
	}
}
