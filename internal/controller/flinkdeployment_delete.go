package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// reconcileDelete marks the resource DELETING, stops a running job with a savepoint first
// when kubernetes.operator.job.savepoint-on-deletion asks for it (savePointBeforeDeletion),
// then removes what owner references do not cover (Flink's own HA ConfigMaps, which Flink
// creates without an owner) and drops the finalizer. Owned objects go with the resource
// through garbage collection.
func (r *FlinkDeploymentReconciler) reconcileDelete(ctx context.Context, dep *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(dep, finalizerName) {
		return ctrl.Result{}, nil
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		d.Status.LifecycleState = v1beta1.LifecycleDeleting
	}); err != nil {
		return quietConflict(err)
	}
	if wait, err := r.savepointBeforeDeletion(ctx, dep); err != nil || wait > 0 {
		if err != nil {
			return quietConflict(err)
		}
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if err := r.deleteHAData(ctx, dep); err != nil {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
		return ctrl.Result{}, err
	}
	msg := "Cleaning up FlinkDeployment"
	if p := finalSavepoint(&dep.Status.JobStatus, dep.DeletionTimestamp.Time); p != "" {
		msg += "; final savepoint " + p
		log.FromContext(ctx).Info("Deleting after the final savepoint", "savepoint", p)
	}
	r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonCleanup, msg)
	controllerutil.RemoveFinalizer(dep, finalizerName)
	if err := r.Update(ctx, dep); err != nil {
		return quietConflict(client.IgnoreNotFound(err))
	}
	r.exceptions.forget(dep.UID)
	r.deletions.forget(dep.UID)
	return ctrl.Result{}, nil
}

// savepointBeforeDeletion takes the step lifecycle.PlanDeletion picks while the resource is
// deleted; wait > 0 keeps the resource for another look. The spec read is the current one
// (with the operator config's defaults), so removing the key releases a stuck deletion.
func (r *FlinkDeploymentReconciler) savepointBeforeDeletion(ctx context.Context, dep *v1beta1.FlinkDeployment) (time.Duration, error) {
	eff := effectiveForReading(ctx, r.profileReaders(), r.Config, dep)
	spec := eff.Spec.DeepCopy()
	opts, err := plannerOptions(spec)
	if err != nil { // a malformed key elsewhere: honour this one alone
		opts = lifecycle.DefaultOptions()
		flat, _ := spec.FlinkConfiguration.Flatten()
		opts.SavepointOnDeletion = boolOption(flat, optSavepointOnDeletion)
	}
	if !opts.SavepointOnDeletion || !spec.IsApplication() || r.Flink == nil {
		return 0, nil
	}
	obs, err := r.look(ctx, dep, spec)
	if err != nil {
		return 0, err
	}
	si := dep.Status.JobStatus.SavepointInfo
	step := lifecycle.PlanDeletion(lifecycle.DeletionFacts{
		SavepointOnDeletion: true,
		TriggerPending:      si != nil && si.TriggerID != "",
		JobManagerUp:        obs.jm == v1beta1.JMReady || obs.jm == v1beta1.JMDeployedNotReady,
		Answered:            obs.flink != nil,
		JobRunning:          obs.jobRunning(),
		BackingOff:          r.deletions.backingOff(dep.UID, r.Clock.Now()),
	})
	switch step {
	case lifecycle.DeletionPollSavepoint:
		failed, err := r.core().pollDeletionSavepoint(ctx, dep, obs.flink)
		if failed {
			r.deletions.hold(dep.UID, r.Clock.Now().Add(deletionRetryWait))
			return deletionRetryWait, err
		}
		return pollTeardown, err
	case lifecycle.DeletionBackOff:
		return pollTeardown, nil
	case lifecycle.DeletionAskAgain:
		log.FromContext(ctx).Info("JobManager did not answer; asking again before the savepoint on deletion")
		return pollTeardown, nil
	case lifecycle.DeletionStopWithSavepoint:
		log.FromContext(ctx).Info("Stopping the job with a savepoint before deletion", "jobId", obs.job.ID)
		return pollTeardown, r.core().stopWithSavepoint(ctx, dep, obs.flink, obs.job.ID, opts.SavepointFormat)
	}
	return 0, nil
}

// deleteHAData removes the ConfigMaps that Flink's Kubernetes HA services write for the
// cluster (haLabels).
func (r *FlinkDeploymentReconciler) deleteHAData(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	if len(validation.IsValidLabelValue(dep.Name)) > 0 {
		// A name no label can hold (over 63 characters) was refused by validation, so Flink
		// never ran and wrote no HA data; selecting by it would fail and keep the finalizer.
		return nil
	}
	err := r.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(dep.Namespace), haLabels(dep))
	if err != nil {
		return fmt.Errorf("while deleting HA ConfigMaps: %w", err)
	}
	return nil
}
