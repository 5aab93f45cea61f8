package profile

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// TestProfileCRDAgainstAPIServer installs the generated CRDs in a real kube-apiserver,
// stores the example profiles, and checks that nothing in them is pruned (the effective spec
// computed from the stored profile equals the one computed from the file) and that the
// schema rejects what its markers forbid.
func TestProfileCRDAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run `make test-integration`")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	// A CRD is Established before discovery serves its group; the client's mapper asks discovery.
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Polled with apimachinery's wait, not internal/testenv: testenv imports the operator,
	// whose controllers import this package (an import cycle in an in-package test).
	var lastErr error
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true,
		func(context.Context) (bool, error) {
			_, lastErr = dc.ServerResourcesForGroupVersion(weirv1alpha1.GroupVersion.String())
			return lastErr == nil, nil
		}); err != nil {
		t.Fatalf("gave up waiting for discovery to serve weir.dev/v1alpha1: %v", lastErr)
	}
	sch := runtime.NewScheme()
	if err := weirv1alpha1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: sch})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	app := &v1beta1.FlinkDeployment{}
	load(t, "../../examples/profiles/app.yaml", app)
	app.Namespace = "team-a"
	for _, file := range []string{"dev.yaml", "prod.yaml"} {
		p := &weirv1alpha1.FlinkProfile{}
		load(t, "../../examples/profiles/"+file, p)
		want, _, err := Effective(p, app)
		if err != nil {
			t.Fatal(err)
		}
		if err := k8s.Create(ctx, p.DeepCopy()); err != nil { // cluster-scoped: no namespace
			t.Fatalf("%s: %v", file, err)
		}
		stored := &weirv1alpha1.FlinkProfile{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: p.Name}, stored); err != nil {
			t.Fatal(err)
		}
		sent, _ := json.Marshal(p.Spec)
		got, _ := json.Marshal(stored.Spec)
		if string(sent) != string(got) {
			t.Errorf("%s: the API server changed the spec:\nsent %s\ngot  %s", file, sent, got)
		}
		eff, _, err := Effective(stored, app)
		if err != nil {
			t.Fatal(err)
		}
		if !equalJSON(t, want, eff) {
			t.Errorf("%s: the stored profile gives another effective spec", file)
		}
	}

	bad := &weirv1alpha1.FlinkProfile{}
	load(t, "../../examples/profiles/dev.yaml", bad)
	bad.Name = "bad"
	bad.Spec.LogFormat = "xml"
	bad.Spec.UpgradeMode = "sometimes"
	err = k8s.Create(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), "spec.logFormat") || !strings.Contains(err.Error(), "spec.upgradeMode") {
		t.Errorf("the schema accepted a bad profile: %v", err)
	}
}
