package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// healSavepointsOf undoes failSavepointsOf.
func (f *fakeFlink) healSavepointsOf(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.failSavepoints, restURL)
}

func TestDeploymentSavepointOnDeletion(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
		map[string]string{"kubernetes.operator.job.savepoint-on-deletion": "true"})
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID
	ha := haConfigMap(t, ns, name)

	// The first savepoint fails: the resource and its HA data stay, and it is said why.
	flink.failSavepointsOf(url)
	if err := k8s.Delete(context.Background(), getDeployment(t, ns, name)); err != nil {
		t.Fatal(err)
	}
	waitForEvents(t, ns, name, "CleanupFailed: The savepoint before deletion failed")
	d := getDeployment(t, ns, name)
	if !strings.Contains(d.Status.Error, "savepoint before deletion failed") || d.Status.LifecycleState != v1beta1.LifecycleDeleting {
		t.Errorf("status while the savepoint fails: lifecycle %s, error %q", d.Status.LifecycleState, d.Status.Error)
	}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); err != nil {
		t.Fatalf("HA data deleted before the savepoint was taken: %v", err)
	}

	// Flink recovers: the retry takes the savepoint, then the resource goes.
	flink.healSavepointsOf(url)
	waitFor(t, name+" gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err) //nolint:errorlint // err is nil when it still exists
	})
	if c := flink.callsLike(url, "POST /jobs/"+jobID+"/stop"); len(c) < 2 {
		t.Errorf("want the failed stop-with-savepoint and its retry, got %v", flink.callsTo(url))
	}
	if c := flink.callsLike(url, "PATCH "); len(c) != 0 {
		t.Errorf("cancelled instead of stopped with a savepoint: %v", c)
	}
	waitForEvents(t, ns, name, "Cleanup: Cleaning up FlinkDeployment; final savepoint file:///flink-data/savepoints/savepoint-")
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("HA data left after the deletion (err=%v)", err)
	}
}

// Under foreground deletion the garbage collector deletes the JobManager Deployment while
// weir takes the deletion savepoint (the suite has no collector: the tests play it). With
// no savepoint taken, the HA ConfigMaps (the pointer to the latest checkpoint) survive the
// resource, and the Cleanup Event and their annotations say where the state is.
func TestDeploymentSavepointOnDeletionKeepsHADataWhenJobManagerGoesFirst(t *testing.T) {
	t.Parallel()
	deleteWhileJobManagerGoes(t, flink.failSavepointsOf, "CleanupFailed: The savepoint before deletion failed")
}

// The savepoint is still in progress when the JobManager goes: the deletion does not wait
// for it (it can never complete) but keeps the HA data at once.
func TestDeploymentSavepointOnDeletionPendingWhenJobManagerGoes(t *testing.T) {
	t.Parallel()
	deleteWhileJobManagerGoes(t, flink.hangSavepointsOf, "", "the savepoint under way may have completed under file:///flink-data/savepoints")
}

// deleteWhileJobManagerGoes deletes a savepoint-on-deletion app whose savepoints break
// (after the Event wantFirst, if any), deletes its JobManager Deployment as the garbage
// collector would, and checks that the state's pointer survives the app and the Cleanup
// Event says where the state is (and wantKept too).
func deleteWhileJobManagerGoes(t *testing.T, breakSavepoints func(restURL string), wantFirst string, wantKept ...string) {
	t.Helper()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
		map[string]string{"kubernetes.operator.job.savepoint-on-deletion": "true"})
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID
	ha := haConfigMap(t, ns, name)
	chk := "file:///flink-data/checkpoints/" + jobID + "/chk-42"
	flink.setCheckpoint(url, chk)

	breakSavepoints(url)
	if err := k8s.Delete(context.Background(), getDeployment(t, ns, name)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stop with a savepoint", func() error {
		if c := flink.callsLike(url, "POST /jobs/"+jobID+"/stop"); len(c) == 0 {
			return fmt.Errorf("not yet: %v", flink.callsTo(url))
		}
		return nil
	})
	if wantFirst != "" {
		waitForEvents(t, ns, name, wantFirst)
	}
	jm := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(context.Background(), jm); err != nil {
		t.Fatal(err)
	}

	waitFor(t, name+" gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err) //nolint:errorlint // err is nil when it still exists
	})
	kept := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), kept); err != nil {
		t.Fatalf("HA data deleted although no savepoint was taken: %v", err)
	}
	if kept.Data["checkpointID-0000000000000000001"] != "pointer" {
		t.Errorf("HA data changed: %v", kept.Data)
	}
	if a := kept.Annotations; a["weir.dev/latest-checkpoint"] != chk || a["weir.dev/checkpoint-dir"] != "file:///flink-data/checkpoints/"+jobID {
		t.Errorf("kept HA ConfigMap does not say where the state is: annotations %v", a)
	}
	waitForEvents(t, ns, name, append(wantKept,
		"Cleanup: Cleaning up FlinkDeployment without a final savepoint",
		"kept HA ConfigMaps "+ha.Name,
		"checkpoints are under file:///flink-data/checkpoints/"+jobID,
		"the latest checkpoint seen while the job ran is "+chk)...)
	if c := flink.callsLike(url, "PATCH "); len(c) != 0 {
		t.Errorf("cancelled instead of stopped with a savepoint: %v", c)
	}
}

// operatorSnapshots lists the FlinkStateSnapshots the operator recorded for app name.
func operatorSnapshots(t *testing.T, ns, name string) []v1beta1.FlinkStateSnapshot {
	t.Helper()
	l := &v1beta1.FlinkStateSnapshotList{}
	if err := k8s.List(context.Background(), l, client.InNamespace(ns), client.MatchingLabels{"job-reference.name": name}); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// upgradeWithSavepoint changes the image of a stable savepoint-mode app and waits until the
// upgrade savepoint is recorded; it returns the savepoint's path.
func upgradeWithSavepoint(t *testing.T, ns, name string) string {
	t.Helper()
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	var sp string
	waitFor(t, "upgrade savepoint recorded", func() error {
		if sp = getDeployment(t, ns, name).Status.JobStatus.UpgradeSavepointPath; sp == "" {
			return fmt.Errorf("no upgradeSavepointPath yet")
		}
		return nil
	})
	return sp
}

// waitForOperatorSnapshot waits for the one COMPLETED snapshot the operator recorded for name.
func waitForOperatorSnapshot(t *testing.T, ns, name string) v1beta1.FlinkStateSnapshot {
	t.Helper()
	var s v1beta1.FlinkStateSnapshot
	waitFor(t, "snapshot resource of "+name, func() error {
		l := operatorSnapshots(t, ns, name)
		if len(l) != 1 || l[0].Status.State != v1beta1.SnapshotCompleted {
			return fmt.Errorf("snapshots %+v", l)
		}
		s = l[0]
		return nil
	})
	return s
}

func TestUpgradeSavepointRecordedAsSnapshotResource(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
		map[string]string{"kubernetes.operator.snapshot.resource.enabled": "true"})
	sp := upgradeWithSavepoint(t, ns, name)
	s := waitForOperatorSnapshot(t, ns, name)
	if s.Status.Path != sp || s.Spec.Savepoint == nil || s.Spec.Savepoint.Path != sp || !s.Spec.Savepoint.AlreadyExists {
		t.Errorf("snapshot of upgrade savepoint %s: spec %+v, status %+v", sp, s.Spec.Savepoint, s.Status)
	}
	if r := s.Spec.JobReference; r == nil || r.Kind != v1beta1.JobKindFlinkDeployment || r.Name != name {
		t.Errorf("jobReference %+v", r)
	}
	if s.Spec.Savepoint.DisposeOnDelete == nil || *s.Spec.Savepoint.DisposeOnDelete {
		t.Errorf("disposeOnDelete %v, want false (savepoint.dispose-on-delete defaults to false)", s.Spec.Savepoint.DisposeOnDelete)
	}
	if s.Labels["snapshot.trigger-type"] != "UPGRADE" || len(s.OwnerReferences) != 0 {
		t.Errorf("labels %v, owners %v: want UPGRADE and no owner (the app's deletion must not collect it)", s.Labels, s.OwnerReferences)
	}

	// The app goes (no savepoint-on-deletion: no stop); the snapshot, with its path, stays.
	stops := len(flink.callsLike(url, "POST /jobs/"))
	deleteAndWaitGone(t, getDeployment(t, ns, name))
	if c := flink.callsLike(url, "POST /jobs/"); len(c) != stops {
		t.Errorf("the deletion without savepoint-on-deletion asked Flink for a savepoint: %v", c)
	}
	kept := &v1beta1.FlinkStateSnapshot{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(&s), kept); err != nil || kept.Status.Path != sp {
		t.Errorf("snapshot after the app's deletion: %v, path %q", err, kept.Status.Path)
	}
}

func TestOperatorSnapshotDisposeOnDelete(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint, map[string]string{
		"kubernetes.operator.snapshot.resource.enabled":   "true",
		"kubernetes.operator.savepoint.dispose-on-delete": "true",
	})
	sp := upgradeWithSavepoint(t, ns, name)
	s := waitForOperatorSnapshot(t, ns, name)
	if s.Spec.Savepoint.DisposeOnDelete == nil || !*s.Spec.Savepoint.DisposeOnDelete {
		t.Fatalf("disposeOnDelete %v, want true", s.Spec.Savepoint.DisposeOnDelete)
	}
	// The upgraded job runs, so its JobManager can dispose of the files.
	waitFor(t, "upgraded JobManager", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20.1" {
			return fmt.Errorf("image still %s", img)
		}
		return nil
	})
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	deleteAndWaitGone(t, &s)
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 1 || c[0] != "DISPOSE "+sp {
		t.Errorf("disposals %v, want one of %s", c, sp)
	}
}
