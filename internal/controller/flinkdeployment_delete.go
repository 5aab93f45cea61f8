package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"weir.dev/weir/api/v1beta1"
)

// reconcileDelete marks the resource DELETING, removes what owner references do not cover
// (Flink's own HA ConfigMaps, which Flink creates without an owner), and drops the finalizer.
// Owned objects go with the resource through garbage collection.
func (r *FlinkDeploymentReconciler) reconcileDelete(ctx context.Context, dep *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(dep, finalizerName) {
		return ctrl.Result{}, nil
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		d.Status.LifecycleState = v1beta1.LifecycleDeleting
	}); err != nil {
		return quietConflict(err)
	}
	if err := r.deleteHAData(ctx, dep); err != nil {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
		return ctrl.Result{}, err
	}
	r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonCleanup, "Cleaning up FlinkDeployment")
	controllerutil.RemoveFinalizer(dep, finalizerName)
	if err := r.Update(ctx, dep); err != nil {
		return quietConflict(client.IgnoreNotFound(err))
	}
	r.exceptions.forget(dep.UID)
	return ctrl.Result{}, nil
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
