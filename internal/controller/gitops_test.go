package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/deploy/argocd"
)

// argoManager is the field manager ArgoCD's server-side apply uses.
const argoManager = "argocd-controller"

// No perpetual drift: an app applied the way ArgoCD applies it (server-side apply) is
// deployed, upgraded and suspended by the operator, and afterwards the live spec is still
// exactly what was applied: only ArgoCD's field manager owns fields of the spec, and applying
// the same manifest again changes nothing. The operator writes status (and its finalizer),
// never the user's spec. ArgoCD's health, by weir's script, follows each step.
func TestServerSideAppliedSpecNeverDrifts(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := context.Background()
	d := readManifest(t, "basic-checkpoint-ha.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace, d.Spec.Job.UpgradeMode = ns, v1beta1.UpgradeModeSavepoint
	d.APIVersion, d.Kind = v1beta1.GroupVersion.String(), "FlinkDeployment"
	apply := func(mutate func(*v1beta1.FlinkDeploymentSpec)) *v1beta1.FlinkDeployment {
		t.Helper()
		desired := d.DeepCopy()
		mutate(&desired.Spec)
		obj := &v1beta1.FlinkDeployment{TypeMeta: desired.TypeMeta, ObjectMeta: ownMeta(desired), Spec: desired.Spec}
		if err := k8s.Patch(ctx, obj, client.Apply, client.FieldOwner(argoManager), client.ForceOwnership); err != nil {
			t.Fatalf("server-side apply: %v", err)
		}
		return desired
	}
	health := func(want string) {
		t.Helper()
		waitFor(t, "ArgoCD health "+want, func() error {
			hs, err := argocd.Health("FlinkDeployment", getDeployment(t, ns, d.Name))
			if err != nil || hs.Status != want {
				return fmt.Errorf("health %s %q (err %w)", hs.Status, hs.Message, err)
			}
			return nil
		})
	}
	running := func() {
		t.Helper()
		url := restURLOf(t, ns, d.Name)
		waitFor(t, "the new cluster's config", func() error {
			if id := confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"); id == "" {
				return fmt.Errorf("no job id yet")
			}
			return nil
		})
		flink.setJobID(url, confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"))
		flink.setJob(url, "RUNNING")
		markReady(t, ns, d.Name)
	}

	apply(func(*v1beta1.FlinkDeploymentSpec) {})
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	running()
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	health(argocd.Healthy)

	apply(func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	waitFor(t, "the upgraded JobManager", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})
	running()
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	health(argocd.Healthy)

	applied := apply(func(s *v1beta1.FlinkDeploymentSpec) {
		s.Image = "flink:1.20.1"
		s.Job.State = v1beta1.JobStateSuspended
	})
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleSuspended)
	health(argocd.Suspended)

	live := getDeployment(t, ns, d.Name)
	for _, mf := range live.ManagedFields {
		if mf.Manager == argoManager || mf.Subresource == "status" || mf.FieldsV1 == nil {
			continue
		}
		if fields := string(mf.FieldsV1.Raw); strings.Contains(fields, `"f:spec"`) {
			t.Errorf("field manager %q (%s) owns spec fields: %s", mf.Manager, mf.Operation, fields)
		}
	}
	if !equalJSON(t, live.Spec, applied.Spec) {
		t.Errorf("the live spec differs from the applied one:\nlive    %s\napplied %s", mustJSON(t, live.Spec), mustJSON(t, applied.Spec))
	}
	// Applying the same manifest again is a no-op: ArgoCD sees nothing to sync.
	again := &v1beta1.FlinkDeployment{TypeMeta: d.TypeMeta, ObjectMeta: ownMeta(d), Spec: applied.Spec}
	if err := k8s.Patch(ctx, again, client.Apply, client.FieldOwner(argoManager), client.ForceOwnership, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if again.Generation != live.Generation {
		t.Errorf("re-applying the manifest would change the spec (generation %d -> %d)", live.Generation, again.Generation)
	}
}

// ownMeta is the metadata a GitOps tool applies: name, namespace, labels, annotations.
func ownMeta(d *v1beta1.FlinkDeployment) (m metav1.ObjectMeta) {
	m.Name, m.Namespace, m.Labels, m.Annotations = d.Name, d.Namespace, d.Labels, d.Annotations
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return mustJSON(t, a) == mustJSON(t, b)
}
