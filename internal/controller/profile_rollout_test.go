package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/controller"
)

// rolloutKey is the profile key the rollout tests change.
const rolloutKey = "weir.test.rollout"

// rolloutApps creates FlinkDeployments named names in ns (selected by a profile of ns),
// brings each to STABLE, and returns their REST URLs.
func rolloutApps(t *testing.T, ns string, names ...string) map[string]string {
	t.Helper()
	urls := map[string]string{}
	for _, name := range names {
		d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
		d.Namespace, d.Name = ns, name
		if err := k8s.Create(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		urls[name] = restURLOf(t, ns, name)
		waitForObject(t, ns, name, &appsv1.Deployment{})
		runJob(t, ns, name, urls[name], "RUNNING")
	}
	for _, name := range names {
		waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	}
	return urls
}

// runJob plays Flink and the kubelet for the app's deployed configuration: its job (by the
// id the operator fixed) is in state, its JobManager ready.
func runJob(t *testing.T, ns, name, url, state string) {
	t.Helper()
	flink.setJobID(url, confValue(confOf(ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, state)
	markReady(t, ns, name)
}

// confOf is the app's deployed Flink configuration; "" while its ConfigMap is absent.
func confOf(ns, name string) string {
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "flink-config-" + name}, cm); err != nil {
		return ""
	}
	return cm.Data["flink-conf.yaml"]
}

func getProfile(t *testing.T, name string) *weirv1alpha1.FlinkProfile {
	t.Helper()
	p := &weirv1alpha1.FlinkProfile{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitForRollout waits until the profile's status.rollout is for gen and check accepts it.
func waitForRollout(t *testing.T, pname string, gen int64, what string, check func(*weirv1alpha1.RolloutStatus) error) *weirv1alpha1.RolloutStatus {
	t.Helper()
	var ro *weirv1alpha1.RolloutStatus
	waitFor(t, what, func() error {
		ro = getProfile(t, pname).Status.Rollout
		if ro == nil || ro.Generation != gen {
			return fmt.Errorf("status.rollout %+v, want generation %d", ro, gen)
		}
		return check(ro)
	})
	return ro
}

// rolloutWaiting is the message of the app's ProfileRollout condition while it is held.
func rolloutWaiting(d *v1beta1.FlinkDeployment) string {
	if c := apimeta.FindStatusCondition(d.Status.Conditions, controller.ConditionProfileRollout); c != nil && c.Status == metav1.ConditionFalse {
		return c.Message
	}
	return ""
}

// A profile edit reaches its three apps one at a time (maxConcurrent defaults to 1), each
// through its own upgrade, in the order of their names: observed in the apps' and the
// profile's status all along, never more than one app is between the generations, and the
// apps not admitted yet say what they wait for while still running the old configuration.
func TestProfileRolloutOneAtATime(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{rolloutKey: "one"}},
	})
	names := []string{"app-a", "app-b", "app-c"}
	urls := rolloutApps(t, ns, names...)
	waitForRollout(t, pname, 1, "the first generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Updated != 3 || ro.Total != 3 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})

	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults[rolloutKey] = "two" })
	var order []string      // the apps in the order the new configuration reached them
	var sawWaiting []string // apps seen held, with the rollout's progress in their message
	for step := 1; step <= 3; step++ {
		waitFor(t, fmt.Sprintf("%d app(s) on the new generation", step), func() error {
			moving, done := 0, 0
			for _, name := range names {
				d := getDeployment(t, ns, name)
				v := confValue(confOf(ns, name), rolloutKey)
				if v == "two" && !slices.Contains(order, name) {
					order = append(order, name)
				}
				stable := d.Status.LifecycleState == v1beta1.LifecycleStable
				switch {
				case v == "two" && stable:
					done++
				case v == "two":
					moving++
					runJob(t, ns, name, urls[name], "RUNNING")
				case !stable:
					moving++
				}
				if msg := rolloutWaiting(d); v != "two" && strings.Contains(msg, "waiting for the rollout of FlinkProfile "+pname) && !slices.Contains(sawWaiting, name) {
					sawWaiting = append(sawWaiting, name)
				}
				if v == "one" && rolloutWaiting(d) == "" && d.Status.LifecycleState == v1beta1.LifecycleStable &&
					profileCondition(d.Status.Conditions) == fmt.Sprintf("%s@%d", pname, gen) {
					t.Errorf("%s names generation %d but runs the old configuration", name, gen)
				}
			}
			if moving > 1 {
				t.Errorf("%d apps between generations at once, want at most 1", moving)
			}
			if ro := getProfile(t, pname).Status.Rollout; ro != nil && ro.Generation == gen && len(ro.InProgress) > 1 {
				t.Errorf("status.rollout.inProgress %v, want at most one", ro.InProgress)
			}
			if done < step {
				return fmt.Errorf("%d app(s) done, order %v", done, order)
			}
			return nil
		})
	}
	if !slices.Equal(order, names) {
		t.Errorf("the new configuration reached the apps in the order %v, want %v", order, names)
	}
	if !slices.Contains(sawWaiting, "app-c") {
		t.Errorf("app-c was never seen waiting for the rollout (seen: %v)", sawWaiting)
	}
	ro := waitForRollout(t, pname, gen, "the rollout complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Updated != 3 || len(ro.InProgress) != 0 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	if ro.Message != "3/3 updated" || ro.FailedApp != "" {
		t.Errorf("status.rollout %+v", ro)
	}
	for _, name := range names {
		d := getDeployment(t, ns, name)
		if got, want := profileCondition(d.Status.Conditions), fmt.Sprintf("%s@%d", pname, gen); got != want {
			t.Errorf("%s: Profile condition %q, want %q", name, got, want)
		}
		if msg := rolloutWaiting(d); msg != "" {
			t.Errorf("%s still waiting: %s", name, msg)
		}
	}
}

// An app that fails on the new generation stops the rollout: the profile's status names it
// and why, the other apps keep running the old configuration; a new generation (the fixed
// profile) resumes the rollout from the start.
func TestProfileRolloutStopsOnFailure(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{rolloutKey: "one"}},
	})
	names := []string{"app-a", "app-b", "app-c"}
	urls := rolloutApps(t, ns, names...)
	waitForRollout(t, pname, 1, "the first generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})

	// app-a takes the new generation, and its job fails there.
	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults[rolloutKey] = "bad" })
	waitForConf(t, ns, "app-a", "the new generation on the first app", map[string]string{rolloutKey: "bad"})
	runJob(t, ns, "app-a", urls["app-a"], "FAILED")
	ro := waitForRollout(t, pname, gen, "the rollout stopped", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutFailed {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	if ro.FailedApp != "FlinkDeployment/"+ns+"/app-a" || !strings.Contains(ro.FailureReason, "FAILED") ||
		len(ro.Admitted) != 1 || ro.Admitted[0].App != "FlinkDeployment/"+ns+"/app-a" || ro.Updated != 0 || ro.Total != 3 ||
		!strings.Contains(ro.Message, "stopped") {
		t.Errorf("status.rollout %+v", ro)
	}
	for _, name := range []string{"app-b", "app-c"} {
		waitFor(t, name+" held on the old generation, saying why", func() error {
			d := getDeployment(t, ns, name)
			if msg := rolloutWaiting(d); !strings.Contains(msg, "resumes the rollout") {
				return fmt.Errorf("ProfileRollout condition %q", msg)
			}
			return nil
		})
		d := getDeployment(t, ns, name)
		if v := confValue(confOf(ns, name), rolloutKey); v != "one" || d.Status.LifecycleState != v1beta1.LifecycleStable ||
			profileCondition(d.Status.Conditions) != pname+"@1" {
			t.Errorf("%s: %s=%q, lifecycle %s, Profile %q; want the old generation running STABLE", name, rolloutKey, v,
				d.Status.LifecycleState, profileCondition(d.Status.Conditions))
		}
	}

	// The fixed profile is a new generation: the rollout starts again and reaches all.
	gen = updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults[rolloutKey] = "fixed" })
	for _, name := range names {
		waitForConf(t, ns, name, "the fixed generation on "+name, map[string]string{rolloutKey: "fixed"})
		runJob(t, ns, name, urls[name], "RUNNING")
		waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	}
	waitForRollout(t, pname, gen, "the fixed generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Updated != 3 || ro.FailedApp != "" {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
}

// A FlinkSessionJob under a profile is rolled out like a FlinkDeployment: held on its last
// spec, saying why, while the app before it (by name) takes the new generation, then
// upgraded in its turn. The profile applies by label here, so the session cluster itself
// is not under it.
func TestProfileRolloutSessionJob(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Enforced: map[string]string{rolloutKey: "one"}},
	})
	labels := map[string]string{weirv1alpha1.ProfileLabel: pname}
	session, _ := startSession(t, ns)
	j := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Name: "job", Namespace: ns, Labels: labels},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: session, Job: &v1beta1.JobSpec{
			JarURI: serveJar(t), Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeStateless, EntryClass: "org.example.TopSpeed",
		}},
	}
	if err := k8s.Create(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace, d.Name, d.Labels = ns, "app-a", labels
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	runJob(t, ns, d.Name, url, "RUNNING")
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	first := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")
	waitForRollout(t, pname, 1, "the first generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Total != 2 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})

	// app-a ("FlinkDeployment/…" sorts first) takes the new generation; its job is not
	// running yet, so the session job waits on its last spec.
	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Enforced[rolloutKey] = "two" })
	waitForConf(t, ns, d.Name, "the new generation on app-a", map[string]string{rolloutKey: "two"})
	waitFor(t, "the session job held, saying why", func() error {
		c := apimeta.FindStatusCondition(getSessionJob(t, ns, "job").Status.Conditions, controller.ConditionProfileRollout)
		if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, fmt.Sprintf("generation %d; running generation 1", gen)) {
			return fmt.Errorf("ProfileRollout condition %+v", c)
		}
		if ro := getProfile(t, pname).Status.Rollout; ro == nil || ro.Message != "0/2 updated, 1 in progress" {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	held := getSessionJob(t, ns, "job")
	last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](held.Status.ReconciliationStatus.LastReconciledSpec)
	if conf, _ := last.FlinkConfiguration.Flatten(); conf[rolloutKey] != "one" || held.Status.JobStatus.JobID != first.Status.JobStatus.JobID {
		t.Errorf("the held session job moved on: %s=%q, job %s (was %s)", rolloutKey, conf[rolloutKey],
			held.Status.JobStatus.JobID, first.Status.JobStatus.JobID)
	}

	// app-a gets STABLE on the new generation: the session job is upgraded in its turn.
	runJob(t, ns, d.Name, url, "RUNNING")
	upgraded := waitForSessionJob(t, ns, v1beta1.LifecycleStable, first.Status.JobStatus.JobID)
	last, _, _, _ = v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](upgraded.Status.ReconciliationStatus.LastReconciledSpec)
	if conf, _ := last.FlinkConfiguration.Flatten(); conf[rolloutKey] != "two" {
		t.Errorf("the session job's recorded spec has %s=%q, want two", rolloutKey, conf[rolloutKey])
	}
	waitForRollout(t, pname, gen, "the rollout complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Updated != 2 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	if c := apimeta.FindStatusCondition(getSessionJob(t, ns, "job").Status.Conditions, controller.ConditionProfileRollout); c != nil {
		t.Errorf("the session job still has %+v", c)
	}
}

// An admitted app that is not STABLE on the new generation within spec.rollout.
// progressDeadline stops the rollout; the app after it keeps the old generation.
func TestProfileRolloutProgressDeadline(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{rolloutKey: "one"}},
		Rollout:            &weirv1alpha1.RolloutPolicy{ProgressDeadline: &metav1.Duration{Duration: time.Second}},
	})
	rolloutApps(t, ns, "app-a", "app-b")
	waitForRollout(t, pname, 1, "the first generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})

	// app-a takes the new generation and its job never runs again.
	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults[rolloutKey] = "two" })
	waitForConf(t, ns, "app-a", "the new generation on app-a", map[string]string{rolloutKey: "two"})
	ro := waitForRollout(t, pname, gen, "the rollout stopped at the deadline", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutFailed {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	if ro.FailedApp != "FlinkDeployment/"+ns+"/app-a" || !strings.Contains(ro.FailureReason, "not STABLE on the generation within 1s") {
		t.Errorf("status.rollout %+v", ro)
	}
	d := getDeployment(t, ns, "app-b")
	if v := confValue(confOf(ns, "app-b"), rolloutKey); v != "one" || profileCondition(d.Status.Conditions) != pname+"@1" {
		t.Errorf("app-b: %s=%q, Profile %q; want the old generation", rolloutKey, v, profileCondition(d.Status.Conditions))
	}
}

// With spec.rollout.maxConcurrent 2, two apps take the new generation at once and the
// third waits until one of them is STABLE.
func TestProfileRolloutTwoAtATime(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	two := int32(2)
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{rolloutKey: "one"}},
		Rollout:            &weirv1alpha1.RolloutPolicy{MaxConcurrent: &two},
	})
	urls := rolloutApps(t, ns, "app-a", "app-b", "app-c")
	waitForRollout(t, pname, 1, "the first generation complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})

	gen := updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults[rolloutKey] = "two" })
	for _, name := range []string{"app-a", "app-b"} {
		waitForConf(t, ns, name, "the new generation on "+name, map[string]string{rolloutKey: "two"})
	}
	ro := waitForRollout(t, pname, gen, "two apps in progress", func(ro *weirv1alpha1.RolloutStatus) error {
		if len(ro.InProgress) != 2 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
	if want := []string{"FlinkDeployment/" + ns + "/app-a", "FlinkDeployment/" + ns + "/app-b"}; !slices.Equal(ro.InProgress, want) {
		t.Errorf("status.rollout.inProgress %v, want %v", ro.InProgress, want)
	}
	waitFor(t, "app-c held", func() error {
		if msg := rolloutWaiting(getDeployment(t, ns, "app-c")); !strings.Contains(msg, fmt.Sprintf("generation %d; running generation 1", gen)) {
			return fmt.Errorf("ProfileRollout condition %q", msg)
		}
		return nil
	})
	if v := confValue(confOf(ns, "app-c"), rolloutKey); v != "one" {
		t.Errorf("app-c runs %s=%q while two apps are in progress, want one", rolloutKey, v)
	}

	runJob(t, ns, "app-b", urls["app-b"], "RUNNING")
	waitForConf(t, ns, "app-c", "the new generation on app-c once app-b is STABLE", map[string]string{rolloutKey: "two"})
	for _, name := range []string{"app-a", "app-c"} {
		runJob(t, ns, name, urls[name], "RUNNING")
	}
	waitForRollout(t, pname, gen, "the rollout complete", func(ro *weirv1alpha1.RolloutStatus) error {
		if ro.Phase != weirv1alpha1.RolloutComplete || ro.Updated != 3 {
			return fmt.Errorf("status.rollout %+v", ro)
		}
		return nil
	})
}
