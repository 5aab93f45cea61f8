package controller_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// startStable creates a deployment from an example with the given upgrade mode and brings
// it to STABLE with a RUNNING job. It returns the REST URL its fake JobManager answers on.
func startStable(t *testing.T, ns, file string, mode v1beta1.UpgradeMode) (string, string) { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	return startStableWith(t, ns, file, mode, nil)
}

// startStableWith is startStable with conf added to the manifest's flinkConfiguration.
func startStableWith(t *testing.T, ns, file string, mode v1beta1.UpgradeMode, conf map[string]string) (string, string) { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	d := readManifest(t, file)[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.Job.UpgradeMode = mode
	if len(conf) > 0 {
		flat, _ := d.Spec.FlinkConfiguration.Flatten()
		for k, v := range conf {
			flat[k] = v
		}
		d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(flat)
	}
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	flink.setJobID(url, confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	return d.Name, url
}

func waitForLifecycle(t *testing.T, ns, name string, want v1beta1.ResourceLifecycleState) *v1beta1.FlinkDeployment { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	var d *v1beta1.FlinkDeployment
	waitFor(t, "lifecycle "+string(want), func() error {
		d = getDeployment(t, ns, name)
		if d.Status.LifecycleState != want {
			return fmt.Errorf("lifecycle %s (job %s, jm %s, error %q)", d.Status.LifecycleState,
				d.Status.JobStatus.State, d.Status.JobManagerDeploymentStatus, d.Status.Error)
		}
		return nil
	})
	return d
}

func flinkConf(t *testing.T, ns, name string) string {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "flink-config-" + name}, cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data["flink-conf.yaml"]
}

func confValue(conf, key string) string {
	for _, line := range strings.Split(conf, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func updateSpec(t *testing.T, ns, name string, mutate func(*v1beta1.FlinkDeploymentSpec)) {
	t.Helper()
	waitFor(t, "spec update", func() error {
		d := getDeployment(t, ns, name)
		mutate(&d.Spec)
		return k8s.Update(context.Background(), d)
	})
}

func TestSavepointUpgradeRestoresFromTheStopSavepoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	oldJobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")
	if oldJobID == "" {
		t.Fatalf("no fixed job id in the config:\n%s", flinkConf(t, ns, name))
	}

	ha := haConfigMap(t, ns, name) // the old job's graph and checkpoint pointers
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	var d *v1beta1.FlinkDeployment
	waitFor(t, "new JobManager restoring from the stop savepoint", func() error {
		d = getDeployment(t, ns, name)
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s (lifecycle %s)", img, d.Status.LifecycleState)
		}
		return nil
	})
	if calls := flink.callsTo(url); len(calls) != 1 || !strings.HasSuffix(calls[0], "/stop") {
		t.Fatalf("want exactly one stop-with-savepoint, got %v", calls)
	}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("the old job's HA metadata survived a savepoint upgrade (err=%v): the new JobManager would recover the old job", err)
	}
	sp := d.Status.JobStatus.UpgradeSavepointPath
	if !strings.HasPrefix(sp, "file:///flink-data/savepoints/savepoint-") {
		t.Fatalf("upgradeSavepointPath = %q", sp)
	}
	conf := flinkConf(t, ns, name)
	if got := confValue(conf, "execution.savepoint.path"); got != sp {
		t.Errorf("new cluster restores from %q, want %q", got, sp)
	}
	if newID := confValue(conf, "$internal.pipeline.job-id"); newID == oldJobID || newID == "" {
		t.Errorf("job id %q after the upgrade, before %q: a savepoint upgrade starts a new job", newID, oldJobID)
	}
	if hist := d.Status.JobStatus.SavepointInfo; hist == nil || len(hist.SavepointHistory) != 1 || hist.SavepointHistory[0].TriggerType != v1beta1.SnapshotTriggerUpgrade {
		t.Errorf("savepoint history = %+v", hist)
	}

	flink.setJobID(url, confValue(conf, "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	last, _, _ := getDeployment(t, ns, name).LastReconciledSpec()
	if last.Image != "flink:1.20.1" || last.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
		t.Errorf("lastReconciledSpec image %s mode %s", last.Image, last.Job.UpgradeMode)
	}
	waitForEvents(t, ns, name, "SpecChanged", "SavepointCompleted")
}

func TestLastStateSuspendResumeKeepsHADataAndJobID(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState)
	jobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")
	ha := haConfigMap(t, ns, name)

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	waitFor(t, "JobManager gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return errors.New("JobManager Deployment still there")
	})
	flink.setJob(url, "")
	waitForLifecycle(t, ns, name, v1beta1.LifecycleSuspended)
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); err != nil {
		t.Fatalf("HA data lost on a last-state suspend: %v", err)
	}
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Errorf("last-state suspend must not stop or cancel the job through Flink: %v", calls)
	}

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateRunning })
	waitForObject(t, ns, name, &appsv1.Deployment{})
	conf := flinkConf(t, ns, name)
	if got := confValue(conf, "$internal.pipeline.job-id"); got != jobID {
		t.Errorf("job id after last-state resume = %q, want the old %q (HA data is keyed by it)", got, jobID)
	}
	if p := confValue(conf, "execution.savepoint.path"); p != "" {
		t.Errorf("last-state resume must recover from HA, not a savepoint (%q)", p)
	}
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
}

func TestLastStateRefusesToStartEmptyWithoutHAData(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState)
	haConfigMap(t, ns, name)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	waitForLifecycle(t, ns, name, v1beta1.LifecycleSuspended)
	flink.setJob(url, "")

	// The HA data disappears while suspended: resuming must not start from empty state.
	if err := k8s.DeleteAllOf(context.Background(), &corev1.ConfigMap{}, client.InNamespace(ns),
		client.MatchingLabels{"configmap-type": "high-availability"}); err != nil {
		t.Fatal(err)
	}
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateRunning })
	waitFor(t, "refusal in status.error", func() error {
		if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(e, "empty state") {
			return fmt.Errorf("error %q", e)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("a JobManager was started without HA data (err=%v)", err)
	}
}

// haConfigMap plays Flink's Kubernetes HA services: a ConfigMap with a checkpoint pointer.
func haConfigMap(t *testing.T, ns, name string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{}
	cm.Name, cm.Namespace = name+"-ha-config-map", ns
	cm.Labels = map[string]string{"app": name, "configmap-type": "high-availability", "type": "flink-native-kubernetes"}
	cm.Data = map[string]string{"checkpointID-0000000000000000001": "pointer", "counter": "2"}
	if err := k8s.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	return cm
}

func TestUnhealthyJobIsRestartedWhenOptedIn(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
		"taskmanager.numberOfTaskSlots":                               "2",
		"kubernetes.operator.cluster.health-check.enabled":            "true",
		"kubernetes.operator.cluster.health-check.restarts.window":    "2 s",
		"kubernetes.operator.cluster.health-check.restarts.threshold": "3",
	})
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	first := waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	flink.setJobID(url, confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)

	flink.setRestarts(url, 50) // a job restarting in a loop
	waitFor(t, "RestartUnhealthyJob event", func() error {
		if ev := eventsFor(t, ns, d.Name); !strings.Contains(ev, "RestartUnhealthyJob") {
			return fmt.Errorf("events:\n%s", ev)
		}
		return nil
	})
	flink.setRestarts(url, 0)
	waitFor(t, "a new JobManager", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, jm); err != nil {
			return err
		}
		if jm.UID == first.UID {
			return errors.New("same JobManager Deployment")
		}
		return nil
	})
}

func TestIgnorableChangeIsRecordedWithoutARestart(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState)
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint })
	waitFor(t, "the new generation observed and recorded", func() error {
		d := getDeployment(t, ns, name)
		last, _, _ := d.LastReconciledSpec()
		if d.Status.ObservedGeneration != d.Generation || last.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
			return fmt.Errorf("observed %d of %d, recorded mode %s", d.Status.ObservedGeneration, d.Generation, last.Job.UpgradeMode)
		}
		return nil
	})
	after := waitForObject(t, ns, name, &appsv1.Deployment{})
	if after.UID != jm.UID || after.Generation != jm.Generation {
		t.Error("an upgradeMode change restarted the JobManager")
	}
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Errorf("an upgradeMode change called Flink: %v", calls)
	}
	if st := getDeployment(t, ns, name).Status.LifecycleState; st != v1beta1.LifecycleStable {
		t.Errorf("lifecycle %s", st)
	}
}

// A broken upgrade (the new job never runs) rolls back to the last stable spec, restoring
// the savepoint the upgrade took: the failed job can take none, and no HA data exists.
func TestBrokenUpgradeRollsBackFromTheUpgradeSavepoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint, map[string]string{
		"kubernetes.operator.deployment.rollback.enabled":  "true",
		"kubernetes.operator.deployment.readiness.timeout": "2s",
	})

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.EntryClass = "org.example.DoesNotExist" })
	var sp string
	waitFor(t, "the broken upgrade deployed from its savepoint", func() error {
		sp = getDeployment(t, ns, name).Status.JobStatus.UpgradeSavepointPath
		if c := flinkConf(t, ns, name); sp == "" || confValue(c, "execution.savepoint.path") != sp || !strings.Contains(c, "DoesNotExist") {
			return fmt.Errorf("upgradeSavepointPath %q, config restores %q", sp, confValue(c, "execution.savepoint.path"))
		}
		return nil
	})
	flink.setJob(url, "FAILED") // the entry class does not exist

	waitFor(t, "the rollback deployed from the upgrade savepoint", func() error {
		dep := getDeployment(t, ns, name)
		c := flinkConf(t, ns, name)
		if dep.Status.ReconciliationStatus.State != v1beta1.ReconciliationRollingBack &&
			dep.Status.ReconciliationStatus.State != v1beta1.ReconciliationRolledBack || strings.Contains(c, "DoesNotExist") {
			return fmt.Errorf("reconciliation %s, error %q", dep.Status.ReconciliationStatus.State, dep.Status.Error)
		}
		if got := confValue(c, "execution.savepoint.path"); got != sp {
			return fmt.Errorf("rollback restores from %q, want the upgrade savepoint %q", got, sp)
		}
		return nil
	})
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleRolledBack)
	waitForEvents(t, ns, name, "Rollback")

	// The failed spec is not tried again while it stays as it is: after several reconciles
	// have observed the rolled-back job...
	for i := 0; i < 3; i++ {
		waitForObservations(t, url, 1)
		if c := flinkConf(t, ns, name); strings.Contains(c, "DoesNotExist") {
			t.Fatal("the rolled-back spec was deployed again")
		}
		if d := getDeployment(t, ns, name); d.Status.ReconciliationStatus.State != v1beta1.ReconciliationRolledBack {
			t.Fatalf("reconciliation %s after the rollback, want ROLLED_BACK (error %q)", d.Status.ReconciliationStatus.State, d.Status.Error)
		}
	}
	// ...but a new edit of the spec is an upgrade again.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.EntryClass = "org.example.Fixed" })
	waitFor(t, "the fixed spec deployed", func() error {
		if c := flinkConf(t, ns, name); !strings.Contains(c, "org.example.Fixed") {
			return fmt.Errorf("lifecycle %s", getDeployment(t, ns, name).Status.LifecycleState)
		}
		return nil
	})
}
