package install

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// TestOperatorChartInstallsFKOStyleValues installs the operator chart with the Helm SDK
// on a real kube-apiserver, with values in the shape of FKO's chart: the API server accepts
// every object, and the stored Deployment carries the pod settings, two replicas with
// leader election, and the named service account; an upgrade with rbac.create=false
// removes the operator's RBAC.
func TestOperatorChartInstallsFKOStyleValues(t *testing.T) {
	cp := controlPlane(t)
	ctx := context.Background()
	values := map[string]any{}
	if err := yaml.Unmarshal([]byte(`
watchNamespaces: [flink-apps]
replicas: 2
image: {repository: registry.example/weir/operator, tag: "1.0", pullPolicy: Always}
operatorServiceAccount: {name: flink-operator}
jobServiceAccount: {create: true, name: flink-jobs}
operatorPod:
  labels: {team: platform}
  annotations: {team: platform}
  env: [{name: TZ, value: UTC}]
  nodeSelector: {pool: system}
  tolerations: [{key: dedicated, operator: Equal, value: system, effect: NoSchedule}]
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector: {matchLabels: {app.kubernetes.io/name: weir-operator}}
defaultConfiguration:
  flink-conf.yaml: |+
    kubernetes.operator.reconcile.interval: 15 s
webhook: {create: true}
metrics: {port: 9999}
`), &values); err != nil {
		t.Fatal(err)
	}
	if err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flink-apps"}}); err != nil {
		t.Fatal(err)
	}
	opts := OperatorOptions{Kubeconfig: cp.Kubeconfig, Values: values, Logf: t.Logf}
	if _, err := Operator(ctx, opts); err != nil {
		t.Fatal(err)
	}
	dep := &appsv1.Deployment{}
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: "weir-system", Name: "weir-operator"}, dep); err != nil {
		t.Fatal(err)
	}
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if *dep.Spec.Replicas != 2 || !slices.Contains(c.Args, "--leader-elect=true") || pod.ServiceAccountName != "flink-operator" ||
		pod.NodeSelector["pool"] != "system" || len(pod.Tolerations) != 1 || pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil ||
		dep.Spec.Template.Labels["team"] != "platform" || dep.Spec.Template.Annotations["team"] != "platform" ||
		!slices.Contains(c.Env, corev1.EnvVar{Name: "TZ", Value: "UTC"}) || c.Image != "registry.example/weir/operator:1.0" {
		t.Errorf("stored Deployment: replicas %d args %v pod %+v", *dep.Spec.Replicas, c.Args, pod)
	}
	for _, key := range []client.ObjectKey{{Namespace: "weir-system", Name: "flink-operator"}, {Namespace: "flink-apps", Name: "flink-jobs"}} {
		if err := cp.Client.Get(ctx, key, &corev1.ServiceAccount{}); err != nil {
			t.Errorf("ServiceAccount %s: %v", key, err)
		}
	}
	cm := &corev1.ConfigMap{}
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: "weir-system", Name: "flink-operator-config"}, cm); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{}
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: "flink-apps", Name: "weir-weir-operator"}, role); err != nil {
		t.Fatalf("the operator's Role in the watched namespace: %v", err)
	}

	values["rbac"] = map[string]any{"create": false}
	if _, err := Operator(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: "flink-apps", Name: "weir-weir-operator"}, &rbacv1.Role{}); err == nil {
		t.Error("rbac.create=false left the operator's Role")
	}
	if err := cp.Client.Get(ctx, client.ObjectKey{Name: "weir-weir-operator-profiles"}, &rbacv1.ClusterRole{}); err == nil {
		t.Error("rbac.create=false left the operator's ClusterRole")
	}
}
