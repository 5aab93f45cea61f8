package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/controller"
)

// newProfile creates a cluster-scoped FlinkProfile for one test (named after its
// namespace, so that parallel tests never share one) and deletes it afterwards.
func newProfile(t *testing.T, name string, spec weirv1alpha1.FlinkProfileSpec) {
	t.Helper()
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	if err := k8s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
}

// updateProfile edits a profile (retrying on conflicts) and returns its new generation.
func updateProfile(t *testing.T, name string, edit func(*weirv1alpha1.FlinkProfile)) int64 {
	t.Helper()
	var gen int64
	waitFor(t, "profile update", func() error {
		p := &weirv1alpha1.FlinkProfile{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, p); err != nil {
			return err
		}
		edit(p)
		if err := k8s.Update(context.Background(), p); err != nil {
			return err
		}
		gen = p.Generation
		return nil
	})
	return gen
}

// profileCondition is the message of the app's Profile condition: "<name>@<generation>".
func profileCondition(conds []metav1.Condition) string {
	if c := apimeta.FindStatusCondition(conds, controller.ConditionProfile); c != nil {
		return c.Message
	}
	return ""
}

// waitForConf waits until the app's Flink configuration has every key at its value.
func waitForConf(t *testing.T, ns, name, what string, want map[string]string) {
	t.Helper()
	waitFor(t, what, func() error {
		conf := flinkConf(t, ns, name)
		for k, v := range want {
			if got := confValue(conf, k); got != v {
				return fmt.Errorf("%s = %q, want %q; config:\n%s", k, got, v, conf)
			}
		}
		return nil
	})
}

// An app selected by its namespace runs with its profile's defaults, enforced keys and
// placement, in memory only; its status names profile@generation; a profile edit reaches
// it; an enforced key the app overrides, or a profile gone invalid, is an error while the
// last valid effective spec keeps running.
func TestProfileAppliesToItsApps(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{
			Defaults: map[string]string{"weir.test.profile-default": "one", "weir.test.app-wins": "profile"},
			Enforced: map[string]string{"weir.test.enforced": "{{namespace}}-{{name}}"},
		},
		Placement: &weirv1alpha1.Placement{NodeSelector: map[string]string{"weir.test/pool": "flink-{{namespace}}"}},
	})

	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"taskmanager.numberOfTaskSlots": "2", "weir.test.app-wins": "app"})
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	jm := waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	conf := flinkConf(t, ns, d.Name)
	for k, want := range map[string]string{
		"weir.test.profile-default": "one", "weir.test.app-wins": "app",
		"weir.test.enforced": ns + "-" + d.Name, "weir.test.operator-default": "everywhere",
	} {
		if got := confValue(conf, k); got != want {
			t.Errorf("%s = %q in the app's Flink configuration, want %q", k, got, want)
		}
	}
	if got := jm.Spec.Template.Spec.NodeSelector["weir.test/pool"]; got != "flink-"+ns {
		t.Errorf("JobManager nodeSelector weir.test/pool = %q, want %q", got, "flink-"+ns)
	}
	flink.setJobID(url, confValue(conf, "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	waitFor(t, "the status naming the profile", func() error {
		if got := profileCondition(getDeployment(t, ns, d.Name).Status.Conditions); got != pname+"@1" {
			return fmt.Errorf("Profile condition %q, want %q", got, pname+"@1")
		}
		return nil
	})

	waitFor(t, "the profile's own status saying it is valid", func() error {
		p := &weirv1alpha1.FlinkProfile{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: pname}, p); err != nil {
			return err
		}
		if c := apimeta.FindStatusCondition(p.Status.Conditions, controller.ConditionProfileValid); c == nil ||
			c.Status != metav1.ConditionTrue || p.Status.Error != "" || p.Status.ObservedGeneration != p.Generation {
			return fmt.Errorf("status %+v", p.Status)
		}
		return nil
	})

	// The user's spec was never written (ArgoCD sees no drift).
	app := getDeployment(t, ns, d.Name)
	if own, _ := app.Spec.FlinkConfiguration.Flatten(); len(own) != 2 || app.Spec.PodTemplate != nil {
		t.Errorf("the user's spec was written: flinkConfiguration %v, podTemplate %v", own, app.Spec.PodTemplate)
	}

	// A profile edit reaches the app (upgraded through its own upgrade mode).
	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) {
		p.Spec.FlinkConfiguration.Defaults["weir.test.profile-default"] = "two"
	})
	waitForConf(t, ns, d.Name, "the edited profile default in the app's Flink configuration",
		map[string]string{"weir.test.profile-default": "two"})
	flink.setJobID(url, confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	waitFor(t, "the status naming the new profile generation", func() error {
		if got, want := profileCondition(getDeployment(t, ns, d.Name).Status.Conditions), fmt.Sprintf("%s@%d", pname, gen); got != want {
			return fmt.Errorf("Profile condition %q, want %q", got, want)
		}
		return nil
	})

	// The app overrides an enforced key: an error naming key and profile; what runs stays.
	waitFor(t, "app update", func() error {
		app := getDeployment(t, ns, d.Name)
		app.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
			"taskmanager.numberOfTaskSlots": "2", "weir.test.app-wins": "app", "weir.test.enforced": "mine",
			"weir.test.profile-default": "app-three",
		})
		return k8s.Update(context.Background(), app)
	})
	waitFor(t, "the enforced-key conflict in status.error and as an event", func() error {
		want := fmt.Sprintf(`FlinkProfile \"%s\" enforces flinkConfiguration key \"weir.test.enforced\"`, pname)
		if st := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(st, want) || !strings.Contains(st, "ValidationException") {
			return fmt.Errorf("status.error = %s, want it to contain %s", st, want)
		}
		if ev := eventsFor(t, ns, d.Name); !strings.Contains(ev, controller.ReasonValidationError) || !strings.Contains(ev, pname) {
			return fmt.Errorf("events: %s", ev)
		}
		return nil
	})
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	waitForConf(t, ns, d.Name, "the last valid effective spec still deployed",
		map[string]string{"weir.test.profile-default": "two", "weir.test.enforced": ns + "-" + d.Name})

	// Back to a valid app, then the profile goes invalid: the app keeps what it runs.
	waitFor(t, "app update", func() error {
		app := getDeployment(t, ns, d.Name)
		app.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"taskmanager.numberOfTaskSlots": "2", "weir.test.app-wins": "app"})
		return k8s.Update(context.Background(), app)
	})
	waitFor(t, "status.error cleared", func() error {
		if st := getDeployment(t, ns, d.Name).Status.Error; st != "" {
			return fmt.Errorf("status.error = %s", st)
		}
		return nil
	})
	updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) {
		p.Spec.FlinkConfiguration.Defaults["weir.test.profile-default"] = "{{cluster}}"
	})
	waitFor(t, "the invalid profile in the app's status.error", func() error {
		if st := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(st, pname) || !strings.Contains(st, "cluster") {
			return fmt.Errorf("status.error = %s", st)
		}
		return nil
	})
	waitForConf(t, ns, d.Name, "the last valid effective spec still deployed",
		map[string]string{"weir.test.profile-default": "two"})
	if got, want := profileCondition(getDeployment(t, ns, d.Name).Status.Conditions), fmt.Sprintf("%s@%d", pname, gen); got != want {
		t.Errorf("Profile condition %q while the profile is invalid, want the last valid %q", got, want)
	}
	waitFor(t, "the profile's own status saying it is invalid", func() error {
		p := &weirv1alpha1.FlinkProfile{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: pname}, p); err != nil {
			return err
		}
		c := apimeta.FindStatusCondition(p.Status.Conditions, controller.ConditionProfileValid)
		if p.Status.ObservedGeneration != p.Generation || !strings.Contains(p.Status.Error, "cluster") ||
			c == nil || c.Status != metav1.ConditionFalse {
			return fmt.Errorf("status %+v at generation %d", p.Status, p.Generation)
		}
		return nil
	})
}

// An app whose label names a profile that does not exist gets an error, and nothing is
// deployed.
func TestProfileMissingIsAnError(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Labels = map[string]string{weirv1alpha1.ProfileLabel: "no-such-" + ns}
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the missing profile in status.error and as an event", func() error {
		want := fmt.Sprintf(`FlinkProfile \"no-such-%s\" does not exist`, ns)
		if st := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(st, want) {
			return fmt.Errorf("status.error = %s", st)
		}
		if ev := eventsFor(t, ns, d.Name); !strings.Contains(ev, controller.ReasonValidationError) {
			return fmt.Errorf("events: %s", ev)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("an app without its profile was deployed (err=%v)", err)
	}
}

// A session job runs with its profile's enforced keys (recorded in its lastReconciledSpec,
// never in its spec), its status names the profile, and overriding an enforced key is an
// error while the job keeps running.
func TestProfileAppliesToSessionJobs(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Enforced: map[string]string{"weir.test.enforced": "{{name}}"}},
	})
	session, _ := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeStateless)
	j := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")
	last, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec)
	if err != nil || !ok {
		t.Fatalf("lastReconciledSpec: %v %v", ok, err)
	}
	if conf, _ := last.FlinkConfiguration.Flatten(); conf["weir.test.enforced"] != "job" {
		t.Errorf("the deployed job's configuration %v lacks the profile's enforced key", conf)
	}
	if own, _ := j.Spec.FlinkConfiguration.Flatten(); len(own) != 0 {
		t.Errorf("the user's spec was written: %v", own)
	}
	waitFor(t, "the status naming the profile", func() error {
		if got := profileCondition(getSessionJob(t, ns, "job").Status.Conditions); got != pname+"@1" {
			return fmt.Errorf("Profile condition %q", got)
		}
		return nil
	})

	waitFor(t, "session job update", func() error {
		j := getSessionJob(t, ns, "job")
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"weir.test.enforced": "mine"})
		j.Spec.Job.Parallelism = 3
		return k8s.Update(context.Background(), j)
	})
	waitFor(t, "the enforced-key conflict in status.error", func() error {
		want := fmt.Sprintf(`FlinkProfile \"%s\" enforces flinkConfiguration key \"weir.test.enforced\"`, pname)
		if st := getSessionJob(t, ns, "job").Status.Error; !strings.Contains(st, want) {
			return fmt.Errorf("status.error = %s", st)
		}
		return nil
	})
	j = getSessionJob(t, ns, "job")
	if last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec); last.Job.Parallelism != 2 {
		t.Errorf("the refused spec was deployed: parallelism %d", last.Job.Parallelism)
	}
}
