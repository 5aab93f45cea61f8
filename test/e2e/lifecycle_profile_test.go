package e2e

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/app"
)

// The audited lifecycle's app runs under a FlinkProfile its label names. The profile adds
// a default the job does not care about, Flink's Prometheus reporter and JSON logs (which
// the local platform's metrics server and log store collect: observability_test.go); the
// app is otherwise written as FKO's manifests are. The "profile change" step changes that
// default, and the audit after it shows that a profile rollout carries the audiences job's
// state like any upgrade.
const (
	lifecycleProfile    = "lifecycle"
	profileKey          = "web.refresh-interval"
	profileValue        = "3000"
	profileChangedValue = "5000"
	profileLabel        = "weir.dev/profile"
)

// ensureLifecycleProfile creates (or, in a kept data dir, resets) the lifecycle's profile.
func ensureLifecycleProfile(t *testing.T, ctx context.Context, c *app.Clients) {
	t.Helper()
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: lifecycleProfile}}
	err := c.Ctrl.Get(ctx, client.ObjectKeyFromObject(p), p)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	p.Spec.FlinkConfiguration.Defaults = map[string]string{profileKey: profileValue}
	p.Spec.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "prometheus"}
	p.Spec.LogFormat = "json"
	if apierrors.IsNotFound(err) {
		err = c.Ctrl.Create(ctx, p)
	} else {
		err = c.Ctrl.Update(ctx, p)
	}
	if err != nil {
		t.Fatalf("FlinkProfile %s: %v", lifecycleProfile, err)
	}
}

// profileChange rolls a change of the app's profile out to it (a savepoint upgrade the
// profile's rollout starts), and checks the app's status names the profile's new generation.
func (l *lifecycleRun) profileChange() {
	rollOutProfileChange(l.t, l.ctx, l.c, lifecycleProfile, l.key.Namespace, []string{l.key.Name}, profileKey, profileChangedValue)
	p := &weirv1alpha1.FlinkProfile{}
	if err := l.c.Ctrl.Get(l.ctx, client.ObjectKey{Name: lifecycleProfile}, p); err != nil {
		l.t.Fatal(err)
	}
	want := fmt.Sprintf("%s@%d", lifecycleProfile, p.Generation)
	l.eventually("the app's Profile condition names "+want, func() error {
		cond := meta.FindStatusCondition(l.get().Status.Conditions, "Profile")
		if cond == nil || cond.Message != want {
			return fmt.Errorf("Profile condition %+v, want message %s", cond, want)
		}
		return nil
	})
}
