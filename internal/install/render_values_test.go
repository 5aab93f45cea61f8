package install

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/charts"
)

// renderErr renders the operator chart, values checked against values.schema.json, and
// returns the error instead of failing.
func renderErr(t *testing.T, values map[string]any) error {
	t.Helper()
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
	if err != nil {
		return err
	}
	_, err = engine.Render(ch, vals)
	return err
}

// More than one replica runs with leader election; asking for replicas without it is
// refused at render, since two reconciling replicas would fight over every resource.
func TestChartReplicasElectALeader(t *testing.T) {
	r := renderChart(t, map[string]any{"replicas": 2})
	c := r.dep.Spec.Template.Spec.Containers[0]
	if r.dep.Spec.Replicas == nil || *r.dep.Spec.Replicas != 2 || !slices.Contains(c.Args, "--leader-elect=true") ||
		!slices.Contains(c.Args, "--leader-election-namespace=weir-system") {
		t.Errorf("replicas %v args %v", r.dep.Spec.Replicas, c.Args)
	}
	err := renderErr(t, map[string]any{"replicas": 2, "leaderElection": false})
	if err == nil || !strings.Contains(err.Error(), "replicas > 1 needs leaderElection: true") {
		t.Errorf("replicas 2 without leader election: %v", err)
	}
	if err := renderErr(t, map[string]any{"replicas": 1, "leaderElection": false}); err != nil {
		t.Errorf("one replica without leader election: %v", err)
	}
	r = renderChart(t, map[string]any{"strategy": map[string]any{"type": "Recreate"}})
	if r.dep.Spec.Strategy.Type != "Recreate" {
		t.Errorf("strategy %+v", r.dep.Spec.Strategy)
	}
}

// FKO's operatorPod keys land on the operator pod; the older top-level nodeSelector and
// tolerations and metrics.podAnnotations still do.
func TestChartOperatorPod(t *testing.T) {
	toleration := map[string]any{"key": "pool", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}
	affinity := map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
		"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{"key": "zone", "operator": "In", "values": []any{"a"}}}}}}}}
	r := renderChart(t, map[string]any{
		"operatorPod": map[string]any{
			"annotations":       map[string]any{"team": "platform"},
			"labels":            map[string]any{"cost-center": "ops"},
			"env":               []any{map[string]any{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}},
			"nodeSelector":      map[string]any{"pool": "ops"},
			"tolerations":       []any{toleration},
			"affinity":          affinity,
			"priorityClassName": "system-cluster-critical",
		},
		"nodeSelector":     map[string]any{"arch": "amd64"},
		"tolerations":      []any{map[string]any{"key": "legacy", "operator": "Exists"}},
		"imagePullSecrets": []any{map[string]any{"name": "registry"}},
		"image":            map[string]any{"repository": "registry.example/weir/operator", "digest": "sha256:" + strings.Repeat("ab", 32)},
	})
	pod := r.dep.Spec.Template
	if !reflect.DeepEqual(pod.Spec.NodeSelector, map[string]string{"pool": "ops", "arch": "amd64"}) {
		t.Errorf("nodeSelector %v", pod.Spec.NodeSelector)
	}
	if len(pod.Spec.Tolerations) != 2 || pod.Spec.Tolerations[0].Key != "pool" || pod.Spec.Tolerations[1].Key != "legacy" {
		t.Errorf("tolerations %+v", pod.Spec.Tolerations)
	}
	if a := pod.Spec.Affinity; a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		t.Errorf("affinity %+v", a)
	}
	if pod.Annotations["team"] != "platform" || pod.Annotations["prometheus.io/scrape"] != "true" {
		t.Errorf("annotations %v", pod.Annotations)
	}
	if pod.Labels["cost-center"] != "ops" || pod.Labels["app.kubernetes.io/name"] != "weir-operator" {
		t.Errorf("labels %v", pod.Labels)
	}
	// The selector still matches the pod.
	for k, v := range r.dep.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("selector %v does not match the pod's labels %v", r.dep.Spec.Selector.MatchLabels, pod.Labels)
		}
	}
	c := pod.Spec.Containers[0]
	if !slices.Contains(c.Env, corev1.EnvVar{Name: "HTTPS_PROXY", Value: "http://proxy:3128"}) {
		t.Errorf("env %v", c.Env)
	}
	if c.Image != "registry.example/weir/operator@sha256:"+strings.Repeat("ab", 32) {
		t.Errorf("image %s", c.Image)
	}
	if pod.Spec.PriorityClassName != "system-cluster-critical" || len(pod.Spec.ImagePullSecrets) != 1 || pod.Spec.ImagePullSecrets[0].Name != "registry" {
		t.Errorf("priorityClassName %q imagePullSecrets %v", pod.Spec.PriorityClassName, pod.Spec.ImagePullSecrets)
	}

	r = renderChart(t, map[string]any{"metrics": map[string]any{"port": 9443}})
	c = r.dep.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--metrics-bind-address=:9443") || c.Ports[0].ContainerPort != 9443 || r.services["weir-operator-metrics"].Spec.Ports[0].Port != 9443 {
		t.Errorf("metrics.port: args %v ports %v", c.Args, c.Ports)
	}
}

// rbac.create=false renders no Role, ClusterRole or binding of the operator (only the
// scrapers' reader role, which has its own switch); operatorServiceAccount names the
// account the pod runs as and every binding's subject.
func TestChartRBACAndOperatorServiceAccount(t *testing.T) {
	objs := renderObjects(t, map[string]any{"rbac": map[string]any{"create": false}})
	for k := range objs {
		kind, _, _ := strings.Cut(k, " ")
		if strings.Contains(kind, "Role") && k != "ClusterRole /weir-metrics-reader" {
			t.Errorf("rbac.create=false renders %s", k)
		}
	}
	if objs["ServiceAccount weir-system/weir-operator"] == nil || objs["Deployment weir-system/weir-operator"] == nil {
		t.Errorf("objects: %v", slices.Sorted(maps.Keys(objs)))
	}

	objs = renderObjects(t, map[string]any{"operatorServiceAccount": map[string]any{
		"name": "flink-operator", "annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/op"}}})
	sa := objs["ServiceAccount weir-system/flink-operator"]
	if sa == nil || objs["ServiceAccount weir-system/weir-operator"] != nil {
		t.Fatalf("objects: %v", slices.Sorted(maps.Keys(objs)))
	}
	var subjects int
	for k, o := range objs {
		raw, _ := yaml.Marshal(o)
		if strings.Contains(string(raw), "name: weir-operator\n  namespace: weir-system\n") && strings.Contains(k, "Binding") {
			t.Errorf("%s binds the default account", k)
		}
		if strings.Contains(k, "Binding") && strings.Contains(string(raw), "name: flink-operator") {
			subjects++
		}
	}
	if subjects == 0 {
		t.Error("no binding names the operator's account")
	}
	r := renderChart(t, map[string]any{"operatorServiceAccount": map[string]any{"name": "flink-operator"}})
	if r.dep.Spec.Template.Spec.ServiceAccountName != "flink-operator" {
		t.Errorf("pod runs as %q", r.dep.Spec.Template.Spec.ServiceAccountName)
	}
	objs = renderObjects(t, map[string]any{"operatorServiceAccount": map[string]any{"create": false}})
	if objs["ServiceAccount weir-system/weir-operator"] != nil {
		t.Error("operatorServiceAccount.create=false renders the account")
	}
}

// A values file in the shape of FKO's chart, with the keys that apply to weir, installs
// unchanged; keys that do not apply are refused with the schema's message, never ignored.
func TestChartTakesFKOStyleValues(t *testing.T) {
	fko := `
watchNamespaces: ["flink-apps"]
image: {repository: registry.example/weir/operator, pullPolicy: Always, tag: "1.0"}
imagePullSecrets: [{name: registry}]
replicas: 2
strategy: {type: RollingUpdate}
rbac: {create: true}
operatorPod:
  annotations: {team: platform}
  labels: {team: platform}
  env: [{name: TZ, value: UTC}]
  nodeSelector: {pool: system}
  tolerations: [{key: dedicated, operator: Equal, value: system, effect: NoSchedule}]
operatorServiceAccount: {create: true, annotations: {}, name: flink-operator}
jobServiceAccount: {create: true, annotations: {"helm.sh/resource-policy": keep}, name: flink-jobs}
webhook: {create: true}
defaultConfiguration:
  create: true
  append: true
  flink-conf.yaml: |+
    kubernetes.operator.reconcile.interval: 15 s
metrics: {port: 9999}
resources: {requests: {cpu: 200m, memory: 256Mi}, limits: {memory: 1Gi}}
`
	values := map[string]any{}
	if err := yaml.Unmarshal([]byte(fko), &values); err != nil {
		t.Fatal(err)
	}
	objs := renderObjects(t, values)
	cm := objs["ConfigMap weir-system/flink-operator-config"]
	if cm == nil || !strings.Contains(cm["data"].(map[string]any)["flink-conf.yaml"].(string), "kubernetes.operator.reconcile.interval: 15 s") {
		t.Errorf("defaultConfiguration: %v", cm)
	}
	sa := objs["ServiceAccount flink-apps/flink-jobs"]
	if sa == nil || sa["metadata"].(map[string]any)["annotations"].(map[string]any)["helm.sh/resource-policy"] != "keep" {
		t.Errorf("jobServiceAccount: %v in %v", sa, slices.Sorted(maps.Keys(objs)))
	}
	if objs["ServiceAccount flink-apps/flink"] != nil {
		t.Error("jobServiceAccount's name did not win over flinkServiceAccount's")
	}
	if off := renderObjects(t, map[string]any{"jobServiceAccount": map[string]any{"create": false}}); off["ServiceAccount weir-system/flink"] != nil {
		t.Error("jobServiceAccount.create=false still renders the Flink service account")
	}
	r := renderChart(t, values)
	c := r.dep.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example/weir/operator:1.0" || c.ImagePullPolicy != corev1.PullAlways || c.Resources.Limits.Memory().String() != "1Gi" ||
		!slices.Contains(c.Args, "--watch-namespaces=flink-apps") || !slices.Contains(c.Args, "--leader-elect=true") {
		t.Errorf("container %+v", c)
	}

	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"FKO's operator logging", map[string]any{"defaultConfiguration": map[string]any{"log4j-operator.properties": "rootLogger.level = DEBUG"}},
			"at '/defaultConfiguration': additional properties 'log4j-operator.properties' not allowed"},
		{"FKO's JVM args", map[string]any{"jvmArgs": map[string]any{"operator": "-Xmx1g"}}, "additional properties 'jvmArgs' not allowed"},
		{"replicas as text", map[string]any{"replicas": "two"}, "at '/replicas': got string, want integer"},
		{"bad failure policy", map[string]any{"webhook": map[string]any{"failurePolicy": "Open"}}, "at '/webhook/failurePolicy': value must be one of"},
		{"bad pull policy", map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}, "at '/image/pullPolicy': value must be one of"},
		{"operatorPod typo", map[string]any{"operatorPod": map[string]any{"nodeSelectors": map[string]any{}}}, "additional properties 'nodeSelectors' not allowed"},
	} {
		err := renderErr(t, tc.values)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want %q, got %v", tc.name, tc.want, err)
		}
	}
}
