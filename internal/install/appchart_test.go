package install

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/testenv"
)

// controlPlane starts a real etcd and kube-apiserver with weir's CRDs, or skips.
func controlPlane(t *testing.T) *testenv.ControlPlane {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run `make test-integration`")
	}
	cp, err := testenv.StartControlPlane(filepath.Join("..", "..", "config", "crd"), assets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	return cp
}

// TestAppChartInstallAndUpgrade installs the README's app with the Helm SDK on a real
// kube-apiserver, lets a stand-in for the operator write a finalizer and status (a running
// job with a savepoint), and upgrades the release with a new parallelism and jar: Helm
// patches the same object (same UID, status and finalizer kept), and the change is one the
// operator carries out as a savepoint upgrade, the job's state carried over.
func TestAppChartInstallAndUpgrade(t *testing.T) {
	cp := controlPlane(t)
	ctx := context.Background()

	raw, err := os.ReadFile("../../examples/weir-app/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	opts := AppOptions{Kubeconfig: cp.Kubeconfig, Namespace: "team-a", ReleaseName: "orders", Values: values, Logf: t.Logf}
	rel, err := App(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 1 {
		t.Fatalf("install: revision %d", rel.Version)
	}
	key := client.ObjectKey{Namespace: "team-a", Name: "orders"}
	before := &v1beta1.FlinkDeployment{}
	if err := cp.Client.Get(ctx, key, before); err != nil {
		t.Fatal(err)
	}
	if before.Spec.Job == nil || before.Spec.Job.Parallelism != 2 || before.Labels[weirv1alpha1.ProfileLabel] != "dev" {
		t.Fatalf("installed %+v", before)
	}

	// What the operator writes: its finalizer, and the status of a running job.
	before.Finalizers = append(before.Finalizers, "flinkdeployments.flink.apache.org/finalizer")
	if err := cp.Client.Update(ctx, before); err != nil {
		t.Fatal(err)
	}
	before.Status.LifecycleState = v1beta1.LifecycleStable
	before.Status.JobStatus = v1beta1.JobStatus{State: "RUNNING", JobID: "a1b2", UpgradeSavepointPath: "s3://flink-dev/team-a/orders/savepoints/sp-1"}
	if err := cp.Client.Status().Update(ctx, before); err != nil {
		t.Fatal(err)
	}

	values["parallelism"] = 4
	values["jarURI"] = "local:///opt/flink/examples/streaming/TopSpeedWindowing.jar"
	if rel, err = App(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if rel.Version != 2 {
		t.Fatalf("upgrade: revision %d", rel.Version)
	}
	after := &v1beta1.FlinkDeployment{}
	if err := cp.Client.Get(ctx, key, after); err != nil {
		t.Fatal(err)
	}
	if after.UID != before.UID || after.Generation != before.Generation+1 {
		t.Errorf("not patched in place: uid %s -> %s, generation %d -> %d", before.UID, after.UID, before.Generation, after.Generation)
	}
	if after.Spec.Job.Parallelism != 4 || after.Spec.Job.JarURI != values["jarURI"] {
		t.Errorf("upgraded job %+v", after.Spec.Job)
	}
	if !slices.Contains(after.Finalizers, "flinkdeployments.flink.apache.org/finalizer") ||
		after.Status.LifecycleState != v1beta1.LifecycleStable || after.Status.JobStatus.UpgradeSavepointPath != before.Status.JobStatus.UpgradeSavepointPath {
		t.Errorf("Helm dropped what the operator wrote: finalizers %v status %+v", after.Finalizers, after.Status)
	}

	// The operator compares the effective specs: a savepoint upgrade.
	p := &weirv1alpha1.FlinkProfile{}
	rawProfile, err := os.ReadFile("../../examples/profiles/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(rawProfile, p); err != nil {
		t.Fatal(err)
	}
	old, _, err := profile.Effective(p, before)
	if err != nil {
		t.Fatal(err)
	}
	cur, _, err := profile.Effective(p, after)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := lifecycle.DiffDeployment(&old.Spec, &cur.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if diff.Type != lifecycle.DiffUpgrade || cur.Spec.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
		t.Errorf("the operator would do %s (%s) with upgrade mode %s, want a savepoint upgrade", diff.Type, diff, cur.Spec.Job.UpgradeMode)
	}
}
