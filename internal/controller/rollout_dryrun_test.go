package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// An upgrade whose JobManager the API server would refuse (an env var name with "=", which
// weir's validation lets through) must not stop the running job: the savepoint upgrade
// would otherwise leave the job stopped with no cluster to restore it into.
func TestUpgradeTheAPIServerRefusesDoesNotStopTheJob(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	jmKey := client.ObjectKey{Namespace: ns, Name: name}
	before := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), jmKey, before); err != nil {
		t.Fatal(err)
	}
	lastBefore := getDeployment(t, ns, name).Status.ReconciliationStatus.LastReconciledSpec

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		s.Image = "flink:1.20.1"
		s.JobManager.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "flink-main-container", Env: []corev1.EnvVar{{Name: "BAD=NAME", Value: "x"}},
		}}}}
	})
	waitFor(t, "refusal in status.error", func() error {
		st := getDeployment(t, ns, name).Status
		if !strings.Contains(st.Error, "Upgrade not started") || !strings.Contains(st.Error, "Deployment "+name) ||
			!strings.Contains(st.Error, "BAD=NAME") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	waitForEvents(t, ns, name, "Error: Upgrade not started")
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Fatalf("the running job was stopped for an upgrade the API server refuses: %v", calls)
	}
	after := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), jmKey, after); err != nil {
		t.Fatal(err)
	}
	if after.Generation != before.Generation || mainContainer(t, after.Spec.Template.Spec).Image != mainContainer(t, before.Spec.Template.Spec).Image {
		t.Errorf("JobManager Deployment changed: generation %d -> %d", before.Generation, after.Generation)
	}
	d := getDeployment(t, ns, name)
	if d.Status.LifecycleState != v1beta1.LifecycleStable || d.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed ||
		d.Status.ReconciliationStatus.LastReconciledSpec != lastBefore {
		t.Errorf("lifecycle %s, reconciliation %s, lastReconciledSpec changed: %v", d.Status.LifecycleState,
			d.Status.ReconciliationStatus.State, d.Status.ReconciliationStatus.LastReconciledSpec != lastBefore)
	}

	// Fixing the spec lets the upgrade proceed: one stop-with-savepoint, the new image.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.JobManager.PodTemplate = nil })
	waitFor(t, "upgrade after the fix", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), jmKey, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})
	if calls := flink.callsTo(url); len(calls) != 1 || !strings.HasSuffix(calls[0], "/stop") {
		t.Fatalf("want exactly one stop-with-savepoint, got %v", calls)
	}
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	d = waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	if d.Status.Error != "" {
		t.Errorf("status.error after the fixed upgrade: %q", d.Status.Error)
	}
}

// A session cluster's upgrade is checked the same way: the refused JobManager (here an
// invalid label value in its pod template) leaves the running cluster alone.
func TestSessionUpgradeTheAPIServerRefusesKeepsTheCluster(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session := readManifest(t, "basic-session-deployment-and-job.yaml")[0]
	session.SetNamespace(ns)
	if err := k8s.Create(context.Background(), session); err != nil {
		t.Fatal(err)
	}
	name := session.GetName()
	waitForObject(t, ns, name, &appsv1.Deployment{})
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	jmKey := client.ObjectKey{Namespace: ns, Name: name}
	before := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), jmKey, before); err != nil {
		t.Fatal(err)
	}

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		s.Image = "flink:1.20.1"
		s.JobManager.PodTemplate = &v1beta1.PodTemplate{}
		s.JobManager.PodTemplate.ObjectMeta.Labels = map[string]string{"team": "not a label value!"}
	})
	waitFor(t, "refusal in status.error", func() error {
		st := getDeployment(t, ns, name).Status
		if !strings.Contains(st.Error, "Upgrade not started") || !strings.Contains(st.Error, "not a label value!") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	after := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), jmKey, after); err != nil {
		t.Fatal(err)
	}
	if after.Generation != before.Generation || !after.DeletionTimestamp.IsZero() {
		t.Errorf("session JobManager touched: generation %d -> %d, deleting %v", before.Generation, after.Generation, after.DeletionTimestamp)
	}
	if st := getDeployment(t, ns, name).Status; st.LifecycleState != v1beta1.LifecycleStable {
		t.Errorf("lifecycle %s", st.LifecycleState)
	}

	// Taking the change back clears the refusal without any rollout.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image, s.JobManager.PodTemplate = "flink:1.20", nil })
	waitFor(t, "refusal cleared by the revert", func() error {
		if st := getDeployment(t, ns, name).Status; st.Error != "" {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), jmKey, after); err != nil {
		t.Fatal(err)
	}
	if after.Generation != before.Generation {
		t.Errorf("the revert rolled the session JobManager: generation %d -> %d", before.Generation, after.Generation)
	}

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	waitFor(t, "session upgrade after the fix", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), jmKey, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})
	markReady(t, ns, name)
	if d := waitForLifecycle(t, ns, name, v1beta1.LifecycleStable); d.Status.Error != "" {
		t.Errorf("status.error after the fixed upgrade: %q", d.Status.Error)
	}
}
