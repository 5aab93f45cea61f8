package controller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/status"
)

// pollBlocked is how often a resource the planner found no safe step for is looked at again.
const pollBlocked = 30 * time.Second

// jobSteps are one reconciler's ways of taking the planner's steps for one resource in one
// loop; act dispatches to them. Each records its intent in status before it touches
// Kubernetes or Flink, and each is safe to repeat.
type jobSteps interface {
	settle(ctx context.Context, a lifecycle.Action) error                  // ActionNothing
	blocked(ctx context.Context, reason string) error                      // ActionBlocked
	deploy(ctx context.Context, a lifecycle.Action) (time.Duration, error) // ActionDeploy, ActionResume
	// stop is the first half of an upgrade, a suspend or a restart: record, then stop the job.
	stop(ctx context.Context, a lifecycle.Action) (time.Duration, error)
	savepoint(ctx context.Context, a lifecycle.Action) error  // ActionTriggerSavepoint
	checkpoint(ctx context.Context, a lifecycle.Action) error // ActionTriggerCheckpoint
	// other takes the actions only one kind of resource has (rollback, in-place scale).
	other(ctx context.Context, a lifecycle.Action) (time.Duration, error)
}

// act carries out one planned action; the duration is how soon to look again (0: the
// lifecycle state's poll interval).
func act(ctx context.Context, s jobSteps, a lifecycle.Action) (time.Duration, error) {
	switch a.Kind {
	case lifecycle.ActionNothing:
		return 0, s.settle(ctx, a)
	case lifecycle.ActionWait:
		return pollSettling, nil
	case lifecycle.ActionBlocked:
		return pollBlocked, s.blocked(ctx, a.Reason)
	case lifecycle.ActionDeploy, lifecycle.ActionResume:
		return s.deploy(ctx, a)
	case lifecycle.ActionUpgrade, lifecycle.ActionSuspend, lifecycle.ActionRestartUnhealthy:
		return s.stop(ctx, a)
	case lifecycle.ActionTriggerSavepoint:
		return pollSettling, s.savepoint(ctx, a)
	case lifecycle.ActionTriggerCheckpoint:
		return pollSettling, s.checkpoint(ctx, a)
	}
	return s.other(ctx, a)
}

// pollInterval is the requeue of a resource in state: stable once stable or suspended,
// pollSettling (or stable if shorter) while it settles.
func pollInterval(state v1beta1.ResourceLifecycleState, stable time.Duration) time.Duration {
	if state == v1beta1.LifecycleStable || state == v1beta1.LifecycleSuspended {
		return stable
	}
	return min(pollSettling, stable)
}

// summarize derives lifecycleState from the recorded status, after own has made the
// resource's own changes (its last stable spec, conditions) knowing whether the recorded
// spec (lastJob) is suspended. jm is the JobManager's state ("" for a session job).
func (c jobCore[T]) summarize(ctx context.Context, obj T, lastJob *v1beta1.JobSpec, jm v1beta1.JobManagerDeploymentStatus,
	own func(o T, suspended bool)) error {
	return patchStatus(ctx, c.client, obj, func(o T) {
		st := c.status(o)
		suspended, _ := suspendFacts(st.ReconciliationStatus.LastReconciledSpec, lastJob, &st.JobStatus)
		own(o, suspended)
		st.LifecycleState = lifecycleOf(st, lastJob, jm)
		trackRollouts(st, c.clock.Now(), jm, nil)
	})
}

// lifecycleOf derives lifecycleState from the recorded status st, the recorded spec's job
// (lastJob) and the JobManager's state: the one derivation of every status write that
// settles it. A second one without the suspend facts once flipped a suspended session job
// between DEPLOYED and SUSPENDED on each reconcile, every write waking the next.
func lifecycleOf(st *v1beta1.CommonStatus, lastJob *v1beta1.JobSpec, jm v1beta1.JobManagerDeploymentStatus) v1beta1.ResourceLifecycleState {
	suspended, pending := suspendFacts(st.ReconciliationStatus.LastReconciledSpec, lastJob, &st.JobStatus)
	return status.LifecycleState(status.Facts{Current: st.LifecycleState, Common: *st,
		LastReconciledSuspended: suspended, SuspendSavepointPending: pending, JobManager: jm})
}

// finish ends a reconcile loop the same way for every job resource: an action's error goes
// to status.error and an Event; otherwise status is summarized and the resource looked at
// again after wait (the action's), else the poll interval of its lifecycle state, or
// sooner when the planner asks (a deadline it watches).
func (c jobCore[T]) finish(ctx context.Context, obj T, a lifecycle.Action, wait time.Duration, actErr error,
	summarize func() error, stable time.Duration) (ctrl.Result, error) {
	if actErr != nil {
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonError, actErr.Error())
		_ = patchStatus(ctx, c.client, obj, func(o T) { c.status(o).Error = statusError(errTypeReconcile, actErr.Error()) })
		return ctrl.Result{}, actErr
	}
	if err := summarize(); err != nil {
		return ctrl.Result{}, err
	}
	if wait == 0 {
		wait = pollInterval(c.status(obj).LifecycleState, stable)
	}
	if a.RequeueAfter > 0 && a.RequeueAfter < wait {
		wait = a.RequeueAfter
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}
