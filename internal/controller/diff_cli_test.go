package controller_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/validation"
)

// manifestOf is d as a manifest a user would apply (JSON is YAML).
func manifestOf(t *testing.T, d *v1beta1.FlinkDeployment) []byte {
	t.Helper()
	m := &v1beta1.FlinkDeployment{ObjectMeta: *d.ObjectMeta.DeepCopy(), Spec: *d.Spec.DeepCopy()}
	m.APIVersion, m.Kind = v1beta1.GroupVersion.String(), "FlinkDeployment"
	m.ResourceVersion, m.UID, m.ManagedFields, m.Generation, m.CreationTimestamp = "", "", nil, 0, metav1.Time{}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkDiff runs `weir diff`'s core against the API server for a running savepoint app
// with one recorded rollout e: a new image is predicted a savepoint upgrade with e's
// downtime, nothing is stored by the dry run, a new app is a first deployment, and a
// spec validation refuses fails with validation's message.
func checkDiff(t *testing.T, ns, name string, e v1beta1.RolloutTiming) {
	t.Helper()
	ctx := context.Background()
	c := &app.Clients{Ctrl: k8s}
	d := getDeployment(t, ns, name)
	gen := d.Generation
	opts := app.DiffOptions{Namespace: ns, OperatorConfig: opStore, Now: time.Now()}

	next := d.DeepCopy()
	next.Spec.Image = "flink:1.20.2"
	ps, err := c.Diff(ctx, manifestOf(t, next), opts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := status.Downtime(e)
	if len(ps) != 1 {
		t.Fatalf("predictions %+v", ps)
	}
	p := ps[0]
	if p.Action != "savepoint upgrade" || !p.Restart || !p.Savepoint || p.UpgradeMode != v1beta1.UpgradeModeSavepoint ||
		len(p.RestartChanges) != 1 || !strings.HasPrefix(p.RestartChanges[0], "image: flink:1.20.1 -> flink:1.20.2") ||
		p.ExpectedDowntimeSeconds == nil || *p.ExpectedDowntimeSeconds != want.Seconds() {
		t.Errorf("image change predicted as %+v (recorded downtime %v)", p, want)
	}
	if got := getDeployment(t, ns, name); got.Generation != gen || got.Spec.Image != "flink:1.20.1" {
		t.Errorf("the dry run changed the stored app: generation %d -> %d, image %s", gen, got.Generation, got.Spec.Image)
	}

	same, err := c.Diff(ctx, manifestOf(t, d), opts)
	if err != nil || len(same) != 1 || same[0].Action != "nothing" || same[0].Restart {
		t.Errorf("the stored spec again: %+v, %v", same, err)
	}

	fresh := d.DeepCopy()
	fresh.Name = "not-yet-there"
	ps, err = c.Diff(ctx, manifestOf(t, fresh), opts)
	if err != nil || len(ps) != 1 || ps[0].Action != "first deployment" {
		t.Errorf("a new app: %+v, %v", ps, err)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: fresh.Name}, &v1beta1.FlinkDeployment{}); err == nil {
		t.Error("the dry run created the new app")
	}

	bad := d.DeepCopy()
	bad.Spec.ImagePullPolicy = "Sometimes"
	_, err = c.Diff(ctx, manifestOf(t, bad), opts)
	var verr *app.ValidationError
	wantMsg := validation.Deployment(bad).Error()
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("an invalid spec: %v; want validation's message %q", err, wantMsg)
	}
}

// `weir diff` of a FlinkProfile names the apps whose effective spec the edit changes, with
// the planner's prediction for each, and stores nothing.
func TestDiffOfAProfileNamesTheAppsItRestarts(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{"weir.test.profile-default": "one"}},
	})
	name, _ := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	ctx := context.Background()
	p := &weirv1alpha1.FlinkProfile{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: pname}, p); err != nil {
		t.Fatal(err)
	}
	manifest := func(defaults map[string]string) []byte {
		m := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: pname}, Spec: *p.Spec.DeepCopy()}
		m.APIVersion, m.Kind = weirv1alpha1.GroupVersion.String(), "FlinkProfile"
		m.Spec.FlinkConfiguration.Defaults = defaults
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c := &app.Clients{Ctrl: k8s}
	opts := app.DiffOptions{OperatorConfig: opStore, Now: time.Now()}

	ps, err := c.Diff(ctx, manifest(map[string]string{"weir.test.profile-default": "two"}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Namespace != ns || ps[0].Name != name || ps[0].Action != "savepoint upgrade" ||
		len(ps[0].RestartChanges) != 1 || ps[0].RestartChanges[0] != "flinkConfiguration.weir.test.profile-default: one -> two" {
		t.Errorf("a profile default changed: %+v", ps)
	}
	ps, err = c.Diff(ctx, manifest(map[string]string{"weir.test.profile-default": "one"}), opts)
	if err != nil || len(ps) != 1 || ps[0].Kind != "FlinkProfile" || ps[0].Action != "nothing" {
		t.Errorf("the same profile: %+v, %v", ps, err)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Name: pname}, p); err != nil || p.Spec.FlinkConfiguration.Defaults["weir.test.profile-default"] != "one" {
		t.Errorf("the dry run changed the profile: %v %v", p.Spec.FlinkConfiguration.Defaults, err)
	}
}
