package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

func newSnapshot(t *testing.T, ns, name string, spec v1beta1.FlinkStateSnapshotSpec) {
	t.Helper()
	s := &v1beta1.FlinkStateSnapshot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
	if err := k8s.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func getSnapshot(t *testing.T, ns, name string) *v1beta1.FlinkStateSnapshot {
	t.Helper()
	s := &v1beta1.FlinkStateSnapshot{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func waitForSnapshot(t *testing.T, ns, name string, want v1beta1.SnapshotState) *v1beta1.FlinkStateSnapshot {
	t.Helper()
	var s *v1beta1.FlinkStateSnapshot
	waitFor(t, "snapshot "+name+" "+string(want), func() error {
		s = getSnapshot(t, ns, name)
		if s.Status.State != want {
			return fmt.Errorf("state %s, failures %d, error %q", s.Status.State, s.Status.Failures, s.Status.Error)
		}
		return nil
	})
	return s
}

func deleteAndWaitGone(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Delete(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	waitFor(t, obj.GetName()+" gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err) //nolint:errorlint // err is nil when the object still exists
	})
}

func ref(name string) *v1beta1.JobReference {
	return &v1beta1.JobReference{Kind: v1beta1.JobKindFlinkDeployment, Name: name}
}

func TestSnapshotSavepointCompletesAndIsDisposedOnDelete(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID

	newSnapshot(t, ns, "sp", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name), Savepoint: &v1beta1.SavepointSpec{}})
	s := waitForSnapshot(t, ns, "sp", v1beta1.SnapshotCompleted)
	if !strings.HasPrefix(s.Status.Path, "file:///flink-data/savepoints/savepoint-") || s.Status.TriggerID == "" || s.Status.ResultTimestamp == "" {
		t.Fatalf("completed snapshot status %+v", s.Status)
	}
	if !strings.Contains(s.Status.Path, s.Status.TriggerID[:6]) {
		t.Errorf("path %s is not the savepoint of the recorded trigger %s", s.Status.Path, s.Status.TriggerID)
	}
	// A trigger may be re-sent, always with the recorded id: one savepoint to Flink.
	if ids := flink.savepointTriggers(url); len(ids) != 1 || ids[0] != s.Status.TriggerID {
		t.Errorf("savepoint trigger ids %v, want only %s", ids, s.Status.TriggerID)
	}
	if c := flink.callsLike(url, "POST /jobs/"+jobID+"/savepoints"); len(c) == 0 {
		t.Errorf("no savepoint triggered on job %s: %v", jobID, flink.callsTo(url))
	}

	deleteAndWaitGone(t, s)
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 1 || c[0] != "DISPOSE "+s.Status.Path {
		t.Errorf("disposals %v, want one of %s", c, s.Status.Path)
	}

	// disposeOnDelete: false keeps the files.
	keep := false
	newSnapshot(t, ns, "kept", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name), Savepoint: &v1beta1.SavepointSpec{DisposeOnDelete: &keep}})
	deleteAndWaitGone(t, waitForSnapshot(t, ns, "kept", v1beta1.SnapshotCompleted))
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 1 {
		t.Errorf("a savepoint with disposeOnDelete false was disposed: %v", c)
	}
}

func TestSnapshotCheckpointAndExistingSavepoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID

	newSnapshot(t, ns, "cp", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name), Checkpoint: &v1beta1.CheckpointSpec{}})
	if s := waitForSnapshot(t, ns, "cp", v1beta1.SnapshotCompleted); s.Status.Path != "file:///flink-data/checkpoints/chk-7" {
		t.Errorf("checkpoint path %q", s.Status.Path)
	}
	if c := flink.callsLike(url, "POST /jobs/"+jobID+"/checkpoints"); len(c) == 0 {
		t.Errorf("checkpoint triggers: %v", c)
	}

	const existing = "s3://bucket/savepoints/savepoint-abc"
	newSnapshot(t, ns, "old", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name), Savepoint: &v1beta1.SavepointSpec{Path: existing, AlreadyExists: true}})
	if s := waitForSnapshot(t, ns, "old", v1beta1.SnapshotCompleted); s.Status.Path != existing {
		t.Errorf("existing savepoint recorded as %q", s.Status.Path)
	}
	if c := flink.callsLike(url, "POST /jobs/"+jobID+"/savepoints"); len(c) != 0 {
		t.Errorf("a savepoint was triggered for alreadyExists: %v", c)
	}
}

func TestSnapshotFailsAfterBackoffLimit(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID
	flink.failSavepointsOf(url)

	limit := int32(1)
	newSnapshot(t, ns, "sp", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name), Savepoint: &v1beta1.SavepointSpec{}, BackoffLimit: &limit})
	s := waitForSnapshot(t, ns, "sp", v1beta1.SnapshotFailed)
	if s.Status.Failures != 2 || !strings.Contains(s.Status.Error, "savepoint failed (test)") || s.Status.Path != "" {
		t.Errorf("failed snapshot status %+v", s.Status)
	}
	if ids := flink.savepointTriggers(url); len(ids) != 2 {
		t.Errorf("want the first attempt and one retry, each with its own trigger id, got %v", ids)
	}
	if c := flink.callsLike(url, "POST /jobs/"+jobID+"/savepoints"); len(c) < 2 {
		t.Errorf("savepoint triggers on job %s: %v", jobID, c)
	}
	waitFor(t, "two SnapshotError events", func() error {
		if ev := eventsFor(t, ns, "sp"); strings.Count(ev, "SnapshotError:") != 2 {
			return fmt.Errorf("events:\n%s", ev)
		}
		return nil
	})
	deleteAndWaitGone(t, s)
	if c := flink.callsLike(url, "DISPOSE "); len(c) != 0 {
		t.Errorf("a failed snapshot was disposed: %v", c)
	}
}

func TestSnapshotOfMissingJobIsAbandoned(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	newSnapshot(t, ns, "sp", v1beta1.FlinkStateSnapshotSpec{JobReference: ref("nope"), Savepoint: &v1beta1.SavepointSpec{}})
	if s := waitForSnapshot(t, ns, "sp", v1beta1.SnapshotAbandoned); s.Status.Error == "" {
		t.Errorf("abandoned without a reason: %+v", s.Status)
	}
}

// An invalid snapshot is reported (status.error and a ValidationError Event) and never
// taken; it can still be deleted.
func TestInvalidSnapshotIsReportedAndNotTaken(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)

	newSnapshot(t, ns, "both", v1beta1.FlinkStateSnapshotSpec{JobReference: ref(name),
		Savepoint: &v1beta1.SavepointSpec{}, Checkpoint: &v1beta1.CheckpointSpec{}})
	waitFor(t, "validation error in status", func() error {
		if s := getSnapshot(t, ns, "both"); !strings.Contains(s.Status.Error, "Exactly one of checkpoint or savepoint") {
			return fmt.Errorf("status %+v", s.Status)
		}
		return nil
	})
	waitForEvents(t, ns, "both", "ValidationError: Exactly one of checkpoint or savepoint")
	s := getSnapshot(t, ns, "both")
	if s.Status.TriggerID != "" || s.Status.State == v1beta1.SnapshotCompleted {
		t.Errorf("an invalid snapshot was taken: %+v", s.Status)
	}
	for _, c := range flink.callsTo(url) {
		if strings.Contains(c, "/checkpoints") || strings.Contains(c, "/savepoints") {
			t.Errorf("Flink asked for an invalid snapshot: %q", c)
		}
	}
	deleteAndWaitGone(t, s)
}
