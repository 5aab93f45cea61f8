package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

// snapshotTarget is the job a snapshot is taken of, as found now.
type snapshotTarget struct {
	jobID   string   // "" when the resource is gone or has no job yet
	flink   rest.API // nil when its cluster is not READY or does not answer
	running bool
}

// resolve finds the referenced FlinkDeployment or FlinkSessionJob (same namespace), its
// job id and the REST API of the cluster it runs on.
func (r *FlinkStateSnapshotReconciler) resolve(ctx context.Context, snap *v1beta1.FlinkStateSnapshot) (snapshotTarget, error) {
	var t snapshotTarget
	ref := snap.Spec.JobReference
	if ref == nil || ref.Name == "" {
		return t, nil
	}
	var cluster *v1beta1.FlinkDeployment
	switch ref.Kind {
	case v1beta1.JobKindFlinkSessionJob:
		sj := &v1beta1.FlinkSessionJob{}
		if err := r.Get(ctx, clientKey(snap.Namespace, ref.Name), sj); err != nil {
			return t, client.IgnoreNotFound(err)
		}
		t.jobID = sj.Status.JobStatus.JobID
		cluster = &v1beta1.FlinkDeployment{}
		if err := r.Get(ctx, clientKey(snap.Namespace, sj.Spec.DeploymentName), cluster); err != nil {
			return t, client.IgnoreNotFound(err)
		}
	default: // FlinkDeployment, FKO's default kind
		cluster = &v1beta1.FlinkDeployment{}
		if err := r.Get(ctx, clientKey(snap.Namespace, ref.Name), cluster); err != nil {
			return t, client.IgnoreNotFound(err)
		}
		t.jobID = cluster.Status.JobStatus.JobID
	}
	if t.jobID == "" {
		return t, nil
	}
	fl, err := sessionREST(ctx, r.Client, r.Flink, cluster)
	if err != nil || fl == nil {
		return t, err
	}
	jobs, err := fl.ListJobs(ctx)
	if err != nil {
		log.FromContext(ctx).V(1).Info("Cluster REST not reachable", "reason", err.Error())
		return t, nil
	}
	t.flink = fl
	for _, j := range jobs {
		if j.ID == t.jobID && j.State == rest.JobRunning {
			t.running = true
		}
	}
	return t, nil
}

// poll asks Flink about the recorded trigger and puts the answer into facts.
func (r *FlinkStateSnapshotReconciler) poll(ctx context.Context, snap *v1beta1.FlinkStateSnapshot, t snapshotTarget, facts *lifecycle.SnapshotFacts) {
	st := snap.Status
	if st.State != v1beta1.SnapshotInProgress || st.TriggerID == "" || t.flink == nil {
		return
	}
	var (
		done    bool
		res     lifecycle.SnapshotResult
		failure *rest.OperationFailure
		err     error
	)
	if snap.Spec.Checkpoint != nil {
		var op *rest.CheckpointOperation
		if op, err = t.flink.CheckpointTriggerStatus(ctx, t.jobID, st.TriggerID); err == nil {
			done, failure = op.Status == rest.OperationCompleted, op.Failure
			if done && failure == nil {
				// Best effort: the checkpoint's location from the job's statistics.
				if cp, err := t.flink.CheckpointDetails(ctx, t.jobID, op.CheckpointID); err == nil {
					res.Path = cp.ExternalPath
				}
			}
		}
	} else {
		var op *rest.SavepointOperation
		if op, err = t.flink.SavepointStatus(ctx, t.jobID, st.TriggerID); err == nil {
			done, failure, res.Path = op.Status == rest.OperationCompleted, op.Failure, op.Location
		}
	}
	switch {
	case rest.IsNotFound(err):
		facts.TriggerUnknown = true
	case err != nil:
		log.FromContext(ctx).Info("Snapshot status not available yet", "reason", err.Error())
	case done:
		if failure != nil {
			res.Failure = failure.Message()
		}
		facts.Result = &res
	}
}

// act takes one planned step; status is written before Flink is asked to do anything.
func (r *FlinkStateSnapshotReconciler) act(ctx context.Context, snap *v1beta1.FlinkStateSnapshot, t snapshotTarget, step lifecycle.SnapshotStep) (time.Duration, error) {
	now := r.Clock.Now().UTC().Format(time.RFC3339)
	switch step.Kind {
	case lifecycle.SnapshotNothing:
		return 0, nil
	case lifecycle.SnapshotWait:
		return pollSettling, r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) { st.State = step.State })
	case lifecycle.SnapshotPoll:
		return snapshotPoll, nil
	case lifecycle.SnapshotTrigger:
		return snapshotPoll, r.trigger(ctx, snap, t)
	case lifecycle.SnapshotRecordExisting, lifecycle.SnapshotComplete:
		return 0, r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) {
			st.State, st.Path, st.Error, st.ResultTimestamp = v1beta1.SnapshotCompleted, step.Path, "", now
			if st.TriggerTimestamp == "" {
				st.TriggerTimestamp = now
			}
		})
	case lifecycle.SnapshotRetry:
		r.Recorder.Event(snap, corev1.EventTypeWarning, ReasonSnapshotError, step.Reason)
		// A fresh trigger id: Flink would answer the old one with the same failure.
		return snapshotPoll, r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) {
			st.State, st.TriggerID, st.Error, st.Failures = step.State, "", step.Error, step.Failures
		})
	case lifecycle.SnapshotFail:
		r.Recorder.Event(snap, corev1.EventTypeWarning, ReasonSnapshotError, orDefault(step.Reason, step.Error))
		return 0, r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) {
			st.State, st.Error, st.Failures, st.ResultTimestamp = v1beta1.SnapshotFailed, step.Error, step.Failures, now
		})
	case lifecycle.SnapshotAbandon:
		r.Recorder.Event(snap, corev1.EventTypeWarning, ReasonSnapshotAbandoned, step.Reason)
		return 0, r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) {
			st.State, st.Error, st.Path, st.ResultTimestamp = v1beta1.SnapshotAbandoned, step.Reason, "", now
		})
	case lifecycle.SnapshotDispose:
		r.dispose(ctx, snap, t, step.Path)
		return 0, r.release(ctx, snap)
	case lifecycle.SnapshotRelease:
		return 0, r.release(ctx, snap)
	}
	return 0, fmt.Errorf("snapshot: unexpected step %q", step.Kind)
}

func (r *FlinkStateSnapshotReconciler) patch(ctx context.Context, snap *v1beta1.FlinkStateSnapshot, mutate func(*v1beta1.FlinkStateSnapshotStatus)) error {
	return patchStatus(ctx, r.Client, snap, func(s *v1beta1.FlinkStateSnapshot) { mutate(&s.Status) })
}

// trigger records a trigger id (TRIGGER_PENDING) before asking Flink, then IN_PROGRESS.
// A repeat after a crash re-sends the recorded id, which Flink treats as the same request.
func (r *FlinkStateSnapshotReconciler) trigger(ctx context.Context, snap *v1beta1.FlinkStateSnapshot, t snapshotTarget) error {
	if snap.Status.TriggerID == "" {
		tid, now := rest.NewTriggerID(), r.Clock.Now().UTC().Format(time.RFC3339)
		if err := r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) {
			st.State, st.TriggerID, st.TriggerTimestamp = v1beta1.SnapshotTriggerPending, tid, now
		}); err != nil {
			return err
		}
	}
	tid := snap.Status.TriggerID
	var err error
	if snap.Spec.Checkpoint != nil {
		_, err = t.flink.TriggerCheckpoint(ctx, t.jobID, rest.CheckpointFull, tid)
	} else {
		sp := snap.Spec.Savepoint
		_, err = t.flink.TriggerSavepoint(ctx, t.jobID, rest.SavepointRequest{
			TargetDirectory: sp.Path, Format: rest.SavepointFormat(orDefault(string(sp.FormatType), string(v1beta1.SavepointFormatCanonical))), TriggerID: tid,
		})
	}
	if err != nil {
		if rest.IsUnavailable(err) {
			return err // no answer: try the same trigger id again
		}
		// Flink refused: count it as a failed attempt, as the planner rules.
		inFlight := snap.Status
		inFlight.State = v1beta1.SnapshotInProgress
		step := lifecycle.PlanSnapshot(snap.Spec, inFlight, lifecycle.SnapshotFacts{JobExists: true, Result: &lifecycle.SnapshotResult{Failure: err.Error()}})
		_, aerr := r.act(ctx, snap, t, step)
		return aerr
	}
	return r.patch(ctx, snap, func(st *v1beta1.FlinkStateSnapshotStatus) { st.State = v1beta1.SnapshotInProgress })
}

// dispose deletes a savepoint's files through the JobManager of the referenced job. When
// no JobManager can be asked the files are left, with a warning event naming them.
func (r *FlinkStateSnapshotReconciler) dispose(ctx context.Context, snap *v1beta1.FlinkStateSnapshot, t snapshotTarget, path string) {
	if t.flink == nil {
		r.Recorder.Event(snap, corev1.EventTypeWarning, ReasonCleanupFailed,
			"Savepoint "+path+" was not disposed: no running JobManager of the referenced job can dispose it; delete its files by hand")
		return
	}
	tid, err := t.flink.DisposeSavepoint(ctx, path)
	if err == nil {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = t.flink.AwaitDisposal(wctx, tid, rest.PollInterval{Initial: 200 * time.Millisecond, Max: 2 * time.Second})
		cancel()
	}
	if err != nil {
		r.Recorder.Event(snap, corev1.EventTypeWarning, ReasonCleanupFailed, "Disposing savepoint "+path+" failed: "+err.Error())
		return
	}
	r.Recorder.Event(snap, corev1.EventTypeNormal, ReasonCleanup, "Disposed savepoint "+path)
}

func (r *FlinkStateSnapshotReconciler) release(ctx context.Context, snap *v1beta1.FlinkStateSnapshot) error {
	if !controllerutil.RemoveFinalizer(snap, snapshotFinalizer) {
		return nil
	}
	if err := r.Update(ctx, snap); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}
