package install

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/charts"
)

// The chart's log shipper is off by default; on, it is a DaemonSet on every node that reads
// the kubelet's log files and sends them to the VictoriaLogs URL it is given.
func TestChartShipsLogsWhenAsked(t *testing.T) {
	if _, ok := renderObjects(t, nil)["DaemonSet weir-system/weir-weir-log-shipper"]; ok {
		t.Fatal("a log shipper without logShipper.enabled")
	}
	objs := renderObjects(t, map[string]any{"logShipper": map[string]any{
		"enabled": true, "url": "http://victorialogs.monitoring:9428/insert/native",
		"extraFields": map[string]any{"cluster": "prod-eu-1"},
	}})
	raw, ok := objs["DaemonSet weir-system/weir-weir-log-shipper"]
	if !ok {
		t.Fatalf("no DaemonSet; objects: %v", slices.Sorted(maps.Keys(objs)))
	}
	b, _ := yaml.Marshal(raw)
	var ds appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(b, &ds); err != nil {
		t.Fatal(err)
	}
	spec := ds.Spec.Template.Spec
	c := spec.Containers[0]
	for _, want := range []string{"-kubernetesCollector", "-remoteWrite.url=http://victorialogs.monitoring:9428/insert/native",
		`-kubernetesCollector.extraFields={"cluster":"prod-eu-1"}`} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args %v lack %s", c.Args, want)
		}
	}
	if len(spec.Tolerations) != 1 || spec.Tolerations[0].Operator != "Exists" {
		t.Errorf("tolerations %v: the shipper must run on tainted pools too", spec.Tolerations)
	}
	mounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.ReadOnly
	}
	if ro, ok := mounts["/var/log/pods"]; !ok || !ro {
		t.Errorf("mounts %v: /var/log/pods must be mounted read-only", c.VolumeMounts)
	}
	if spec.ServiceAccountName == "" || objs["ClusterRoleBinding /weir-weir-log-shipper"] == nil {
		t.Errorf("the shipper's account %q or its binding is missing: %v", spec.ServiceAccountName, slices.Sorted(maps.Keys(objs)))
	}
}

func TestChartLogShipperNeedsAURL(t *testing.T) {
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]any{"logShipper": map[string]any{"enabled": true}},
		chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Render(ch, vals); err == nil || !strings.Contains(err.Error(), "logShipper.url is required") {
		t.Errorf("render without a URL: %v", err)
	}
}
