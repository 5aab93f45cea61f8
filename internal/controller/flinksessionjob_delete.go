package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// reconcileDelete stops the job before the resource goes: cancelled, or stopped with a
// savepoint when kubernetes.operator.job.savepoint-on-deletion is true (FKO's switch).
// It waits until Flink reports the job ended; a session cluster that is gone or not
// ready has no job left to stop.
func (r *FlinkSessionJobReconciler) reconcileDelete(ctx context.Context, job *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(job, sessionJobFinalizer) {
		return ctrl.Result{}, nil
	}
	if err := patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		j.Status.LifecycleState = v1beta1.LifecycleDeleting
	}); err != nil {
		return quietConflict(client.IgnoreNotFound(err))
	}
	if job.Status.JobStatus.JobID != "" && r.Flink != nil {
		obs, err := r.observe(ctx, job, session, lifecycle.Options{}) // zero options: no exception Events while deleting
		if err != nil {
			return quietConflict(err)
		}
		if obs.flink == nil && session != nil && session.Status.JobManagerDeploymentStatus == v1beta1.JMReady && session.DeletionTimestamp.IsZero() {
			// The cluster is up but did not answer: the job may still run, so ask again
			// rather than let it outlive its resource.
			log.FromContext(ctx).Info("Session cluster did not answer; retrying the job's cancellation", "jobId", job.Status.JobStatus.JobID)
			return ctrl.Result{RequeueAfter: pollTeardown}, nil
		}
		if obs.flink != nil {
			failed, err := r.core().pollDeletionSavepoint(ctx, job, obs.flink)
			if failed {
				r.stops.hold(job.UID, r.Clock.Now().Add(stopRetryWait))
			}
			if err != nil {
				return quietConflict(err)
			}
			if si := job.Status.JobStatus.SavepointInfo; si != nil && si.TriggerID != "" {
				return ctrl.Result{RequeueAfter: pollTeardown}, nil // a savepoint is being taken
			}
		}
		if obs.job != nil && !obs.job.State.IsGloballyTerminal() {
			conf, _ := sessionJobConf(job, session)
			mode := v1beta1.UpgradeModeStateless
			if boolOption(conf, optSavepointOnDeletion) && obs.running() {
				if r.stops.backingOff(job.UID, r.Clock.Now()) {
					return ctrl.Result{RequeueAfter: pollTeardown}, nil // the last savepoint failed a moment ago
				}
				mode = v1beta1.UpgradeModeSavepoint
			}
			opts := lifecycle.DefaultOptions()
			if o, err := opts.WithConfig(conf); err == nil {
				opts = o
			}
			if err := r.stopJob(ctx, job, obs, opts, mode); err != nil {
				r.Recorder.Event(job, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
				return ctrl.Result{}, err
			}
			return ctrl.Result{RequeueAfter: pollTeardown}, nil
		}
	}
	msg := "Cleaning up FlinkSessionJob"
	if p := finalSavepoint(&job.Status.JobStatus, job.DeletionTimestamp.Time); p != "" {
		msg += "; final savepoint " + p
	}
	r.Recorder.Event(job, corev1.EventTypeNormal, ReasonCleanup, msg)
	controllerutil.RemoveFinalizer(job, sessionJobFinalizer)
	if err := r.Update(ctx, job); err != nil {
		return quietConflict(client.IgnoreNotFound(err))
	}
	r.exceptions.forget(job.UID)
	r.checkpoints.forget(job.UID)
	r.stops.forget(job.UID)
	return ctrl.Result{}, nil
}
