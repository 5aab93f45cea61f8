package profile

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/validation"
)

func load(t *testing.T, file string, into any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestExampleProfiles computes the ten-line app's effective spec under both example
// profiles, and checks that it validates and builds as any FlinkDeployment must.
func TestExampleProfiles(t *testing.T) {
	app := &v1beta1.FlinkDeployment{}
	load(t, "../../examples/profiles/app.yaml", app)
	app.Namespace = "team-a"
	before := app.DeepCopy()
	var profiles []weirv1alpha1.FlinkProfile

	for _, tc := range []struct {
		file string
		want map[string]string // flinkConfiguration keys of the effective spec
		sa   string
		mode v1beta1.UpgradeMode
	}{
		{"dev.yaml", map[string]string{
			"state.checkpoints.dir":               "s3p://flink-state/_entropy_/team-a/orders/checkpoints",
			"state.savepoints.dir":                "s3p://flink-state/team-a/orders/savepoints",
			"s3.endpoint":                         "http://weir-s3.weir-system.svc:29000",
			"taskmanager.numberOfTaskSlots":       "2",
			"execution.checkpointing.interval":    "30 s",
			"kubernetes.operator.weir.log.format": "text",
		}, "flink-orders", v1beta1.UpgradeModeStateless},
		{"prod.yaml", map[string]string{
			"state.checkpoints.dir":               "s3p://flink-prod/_entropy_/apps/team-a/orders/checkpoints",
			"state.savepoints.dir":                "s3p://flink-prod/apps/team-a/orders/savepoints",
			"high-availability.type":              "kubernetes",
			"high-availability.storageDir":        "s3p://flink-prod/apps/team-a/orders/ha",
			"s3.entropy.key":                      "_entropy_",
			"taskmanager.numberOfTaskSlots":       "2", // the app's small preset, not prod's medium
			"metrics.reporter.prom.port":          "9249",
			"kubernetes.operator.weir.log.format": "json",
		}, "flink-orders", v1beta1.UpgradeModeSavepoint},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := &weirv1alpha1.FlinkProfile{}
			load(t, "../../examples/profiles/"+tc.file, p)
			if err := Validate(p); err != nil {
				t.Fatal(err)
			}
			profiles = append(profiles, *p)
			eff, _, err := Effective(p, app)
			if err != nil {
				t.Fatal(err)
			}
			conf, err := eff.Spec.FlinkConfiguration.Flatten()
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if conf[k] != v {
					t.Errorf("flinkConfiguration[%q] = %q, want %q", k, conf[k], v)
				}
			}
			if eff.Spec.Image != "flink:1.20" || eff.Spec.FlinkVersion != v1beta1.FlinkVersion1_20 {
				t.Errorf("image/version = %q/%q", eff.Spec.Image, eff.Spec.FlinkVersion)
			}
			if eff.Spec.ServiceAccount != tc.sa || eff.Spec.Job.UpgradeMode != tc.mode {
				t.Errorf("serviceAccount %q upgradeMode %q, want %q %q", eff.Spec.ServiceAccount, eff.Spec.Job.UpgradeMode, tc.sa, tc.mode)
			}
			if c := eff.Spec.PodTemplate.Spec.Containers; len(c) != 1 || len(c[0].Env) == 0 || c[0].Env[0].Name != "ENABLE_BUILT_IN_PLUGINS" {
				t.Errorf("the profile's pod template (the S3 plugin) is not the app's base: %+v", c)
			}
			if err := validation.Deployment(eff); err != nil {
				t.Errorf("the effective spec does not validate: %v", err)
			}
			if _, err := resources.Build(resources.Input{Deployment: eff, Spec: &eff.Spec}); err != nil {
				t.Errorf("the effective spec does not build: %v", err)
			}
		})
	}
	if !equalJSON(t, before, app) {
		t.Error("Effective modified the app")
	}
	// The app's label names prod, which admits only weir.dev/env=prod namespaces.
	prodNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"weir.dev/env": "prod"}}}
	if p, err := Select(profiles, prodNS, app.Labels); err != nil || p == nil || p.Name != "prod" {
		t.Errorf("Select in a prod namespace = %v, %v", p, err)
	}
	devNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b", Labels: map[string]string{"weir.dev/env": "dev"}}}
	if p, err := Select(profiles, devNS, nil); err != nil || p == nil || p.Name != "dev" {
		t.Errorf("Select in a dev namespace = %v, %v", p, err)
	}
	if _, err := Select(profiles, devNS, app.Labels); err == nil {
		t.Error("a dev namespace borrowed the prod profile")
	}
}
