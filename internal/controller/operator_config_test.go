package controller_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/opconfig"
)

// The suite's operator config, as the chart mounts it: a directory the reconcilers read
// through a store that the manager reloads. It starts with one operator-wide Flink default
// that every app of the suite carries (harmless to Flink), so that no test changes an
// operator-wide default under the apps of other tests.
var (
	opConfigDir  string
	opStore      *opconfig.Store
	opGeneration int // marks each written config, to wait for its reload
)

const generationKey = opconfig.NamespaceDefaults + "weir-no-apps.weir.test.generation"

const baseOperatorConfig = "kubernetes.operator.dynamic.config.check.interval: 100 ms\n" +
	"weir.test.operator-default: everywhere\n"

func startOperatorConfig(mgr ctrl.Manager) error {
	dir, err := os.MkdirTemp("", "weir-opconfig-")
	if err != nil {
		return err
	}
	opConfigDir = dir
	if err := os.WriteFile(filepath.Join(dir, opconfig.FileFlinkConf), []byte(baseOperatorConfig), 0o644); err != nil {
		return err
	}
	if opStore, err = opconfig.NewStore(dir); err != nil {
		return err
	}
	return controller.AddConfigReloader(mgr, opStore)
}

// writeOperatorConfig replaces the operator config file (write and rename, as an editor
// or the kubelet's symlink swap would) and waits until the store has loaded it.
func writeOperatorConfig(t *testing.T, extra string) {
	t.Helper()
	opGeneration++
	gen := fmt.Sprintf("gen-%d", opGeneration)
	// The marker is a namespace default of a namespace without apps: an operator-wide key
	// would change every app's configuration and upgrade the apps of tests running alongside.
	content := baseOperatorConfig + extra + generationKey + ": " + gen + "\n"
	tmp := filepath.Join(opConfigDir, ".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(opConfigDir, opconfig.FileFlinkConf)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the operator config reloaded", func() error {
		if v, _ := opStore.Current().Get(generationKey); v != gen {
			return fmt.Errorf("generation %q", v)
		}
		return nil
	})
}

// FKO's dynamic-config scenario: operator-wide and namespace defaults reach an app's Flink
// configuration under its own keys; operator-only and unknown operator keys of the app are
// warned about; a change of the operator config file reaches a running app without a
// restart of the operator; the user's spec is never written.
func TestOperatorConfigDefaultsAndReload(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	nsKey := opconfig.NamespaceDefaults + ns + "."
	writeOperatorConfig(t, nsKey+"weir.test.ns-default: first\n"+nsKey+"weir.test.cr-wins: namespace\n")
	t.Cleanup(func() { writeOperatorConfig(t, "") })

	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	own := map[string]string{
		"taskmanager.numberOfTaskSlots":       "2",
		"weir.test.cr-wins":                   "cr",
		opconfig.ReconcileInterval:            "1 ms",
		opconfig.ArtifactsAllowedSchemes:      "file",
		"kubernetes.operator.no-such.setting": "x",
	}
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(own)
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	conf := flinkConf(t, ns, d.Name)
	for k, want := range map[string]string{
		"weir.test.operator-default": "everywhere", "weir.test.ns-default": "first", "weir.test.cr-wins": "cr",
		opconfig.ReconcileInterval: "", opconfig.ArtifactsAllowedSchemes: "",
		"kubernetes.operator.no-such.setting": "x",
	} {
		if got := confValue(conf, k); got != want {
			t.Errorf("%s = %q in the app's Flink configuration, want %q", k, got, want)
		}
	}
	waitFor(t, "warnings about the app's operator keys", func() error {
		ev := eventsFor(t, ns, d.Name)
		for _, want := range []string{
			controller.ReasonOperatorConfig + ": flinkConfiguration sets operator-only keys",
			opconfig.ReconcileInterval + ", " + opconfig.ArtifactsAllowedSchemes,
			"weir does not know (a typo?); they have no effect on the operator: kubernetes.operator.no-such.setting",
		} {
			if !strings.Contains(ev, want) {
				return fmt.Errorf("no %q in events:\n%s", want, ev)
			}
		}
		return nil
	})

	flink.setJobID(url, confValue(conf, "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)

	// A new namespace default: the app is upgraded (stateless here) onto it, no restart.
	writeOperatorConfig(t, nsKey+"weir.test.ns-default: second\n"+nsKey+"weir.test.cr-wins: namespace\n")
	waitFor(t, "the reloaded default in the app's Flink configuration", func() error {
		cm := &corev1.ConfigMap{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "flink-config-" + d.Name}, cm); err != nil {
			return err
		}
		c := cm.Data["flink-conf.yaml"]
		if confValue(c, "weir.test.ns-default") != "second" || confValue(c, "weir.test.cr-wins") != "cr" {
			return fmt.Errorf("config:\n%s", c)
		}
		return nil
	})
	got, err := getDeployment(t, ns, d.Name).Spec.FlinkConfiguration.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(own) || got["weir.test.ns-default"] != "" {
		t.Errorf("the user's spec was written: %v", got)
	}
}

func TestSettingsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		conf     map[string]string
		interval string
		par      int
		schemes  []string
		problems int
	}{
		{nil, "15s", controller.DefaultParallelism, []string{"https"}, 0},
		{map[string]string{opconfig.ReconcileInterval: "1 min", opconfig.ReconcileParallelism: "50",
			opconfig.ArtifactsAllowedSchemes: "https; http"}, "1m0s", 50, []string{"https", "http"}, 0},
		{map[string]string{opconfig.ArtifactsAllowedSchemes: "https,file"}, "15s", controller.DefaultParallelism, []string{"https"}, 1},
		{map[string]string{opconfig.ReconcileParallelism: "-1"}, "15s", 1000, []string{"https"}, 0},
		{map[string]string{opconfig.ReconcileInterval: "soon", opconfig.ReconcileParallelism: "0"}, "15s", controller.DefaultParallelism, []string{"https"}, 2},
	}
	for _, tc := range tests {
		s, problems := controller.SettingsOf(opconfig.New(tc.conf))
		if s.ReconcileInterval.String() != tc.interval || s.Parallelism != tc.par ||
			strings.Join(s.Artifacts.Schemes(), ",") != strings.Join(tc.schemes, ",") || len(problems) != tc.problems {
			t.Errorf("SettingsOf(%v) = %+v, problems %v", tc.conf, s, problems)
		}
	}
}
