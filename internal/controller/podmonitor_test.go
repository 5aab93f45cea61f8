package controller_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/resources"
)

// A profile that asks for a PodMonitor: without the Prometheus Operator's CRD the app
// deploys all the same (its pods with the metrics port); once the CRD exists, the next
// profile generation creates the app's PodMonitor, and a profile that drops it deletes it.
func TestProfilePodMonitor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		Metrics:    &weirv1alpha1.MetricsSpec{Reporter: "prometheus", PodMonitor: true},
	})
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns // its service account is the namespace's flink
	waitFor(t, "creating the app", func() error { return k8s.Create(ctx, d) })

	jm := waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	port := int32(0)
	for _, p := range jm.Spec.Template.Spec.Containers[0].Ports {
		if p.Name == resources.MetricsPortName {
			port = p.ContainerPort
		}
	}
	if port != 9249 || jm.Spec.Template.Annotations["prometheus.io/scrape"] != "true" {
		t.Errorf("JobManager pod: metrics port %d, annotations %v", port, jm.Spec.Template.Annotations)
	}
	waitFor(t, "the app's profile companions applied without an error", func() error {
		app := getDeployment(t, ns, d.Name)
		if app.Status.Error != "" {
			return fmt.Errorf("status.error: %s", app.Status.Error)
		}
		for _, c := range app.Status.Conditions {
			if c.Type == "Profile" && c.Message == fmt.Sprintf("%s@1", pname) {
				return nil
			}
		}
		return fmt.Errorf("no Profile condition for %s@1: %+v", pname, app.Status.Conditions)
	})

	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{filepath.Join("testdata", "podmonitor-crd.yaml")}}); err != nil {
		t.Fatal(err)
	}
	updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.UpgradeMode = "stateless" })
	pm := &unstructured.Unstructured{}
	pm.SetGroupVersionKind(profile.PodMonitorGVK)
	waitFor(t, "the app's PodMonitor", func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, pm)
	})
	port0, _, _ := unstructured.NestedSlice(pm.Object, "spec", "podMetricsEndpoints")
	app, _, _ := unstructured.NestedString(pm.Object, "spec", "selector", "matchLabels", "app")
	if len(port0) != 1 || port0[0].(map[string]any)["port"] != resources.MetricsPortName || app != d.Name {
		t.Errorf("PodMonitor spec %v", pm.Object["spec"])
	}
	if owners := pm.GetOwnerReferences(); len(owners) != 1 || owners[0].Name != d.Name || owners[0].Kind != "FlinkDeployment" {
		t.Errorf("PodMonitor owners %+v", owners)
	}

	updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.Metrics.PodMonitor = false })
	waitFor(t, "the PodMonitor removed", func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, pm.DeepCopy())
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%w)", err)
	})
}
