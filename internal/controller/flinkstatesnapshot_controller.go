package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/validation"
)

// snapshotFinalizer is FKO's finalizer for FlinkStateSnapshots.
const snapshotFinalizer = "flinkstatesnapshots.flink.apache.org/finalizer"

// snapshotPoll is how often a snapshot in progress is asked about.
const snapshotPoll = 2 * time.Second

// FlinkStateSnapshotReconciler takes savepoints and checkpoints of the jobs that
// FlinkStateSnapshots reference, and disposes savepoints when asked to on delete.
type FlinkStateSnapshotReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder record.EventRecorder
	Clock    clock.PassiveClock
	// Reader reads the resource itself past the cache, so that a step is never taken
	// twice on a stale copy; nil uses the manager's API reader.
	Reader client.Reader
	// Flink opens REST clients; nil leaves snapshots waiting.
	Flink FlinkClientFactory
	// Config is the operator config (its reconcile parallelism); nil is empty.
	Config *opconfig.Store
}

// Reconcile observes one snapshot, asks lifecycle.PlanSnapshot for the next step and takes it.
func (r *FlinkStateSnapshotReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	snap := &v1beta1.FlinkStateSnapshot{}
	if err := r.Reader.Get(ctx, req.NamespacedName, snap); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleting := !snap.DeletionTimestamp.IsZero()
	if deleting && !controllerutil.ContainsFinalizer(snap, snapshotFinalizer) {
		return ctrl.Result{}, nil
	}
	if !deleting && controllerutil.AddFinalizer(snap, snapshotFinalizer) {
		if err := r.Update(ctx, snap); err != nil {
			return quietConflict(err)
		}
	}
	if !deleting {
		if invalid, err := r.validate(ctx, snap); invalid || err != nil {
			return quietConflict(err)
		}
	}
	target, err := r.resolve(ctx, snap)
	if err != nil {
		return ctrl.Result{}, err
	}
	facts := lifecycle.SnapshotFacts{JobExists: target.jobID != "", JobRunning: target.running, Deleting: deleting}
	if !deleting {
		r.poll(ctx, snap, target, &facts)
	}
	step := lifecycle.PlanSnapshot(snap.Spec, snap.Status, facts)
	requeue, err := r.act(ctx, snap, target, step)
	if err != nil {
		return quietConflict(err)
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// validate checks the spec of a snapshot still to be taken (validation.StateSnapshot). An
// invalid one is reported in status.error and, once, as a ValidationError Event, and no
// step is taken for it until the spec is fixed; deleting it still works.
func (r *FlinkStateSnapshotReconciler) validate(ctx context.Context, snap *v1beta1.FlinkStateSnapshot) (invalid bool, err error) {
	switch snap.Status.State {
	case v1beta1.SnapshotCompleted, v1beta1.SnapshotFailed, v1beta1.SnapshotAbandoned:
		return false, nil // final: nothing is done with its spec any more
	}
	return reportValidation(ctx, r.Client, r.Recorder, snap,
		func(s *v1beta1.FlinkStateSnapshot) *string { return &s.Status.Error }, validation.StateSnapshot(snap))
}

// SetupWithManager registers the reconciler.
func (r *FlinkStateSnapshotReconciler) SetupWithManager(mgr ctrl.Manager, opts ...controller.Options) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(controllerOptions(r.Config, opts)).
		For(&v1beta1.FlinkStateSnapshot{}).
		Named("flinkstatesnapshot").
		Complete(r)
}
