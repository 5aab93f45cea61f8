package testenv

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/internal/resources"
)

// MarkReady plays the kubelet for a Deployment: its pods are reported ready, so the
// operator goes on to ask the (unreachable) Flink REST API.
func MarkReady(ctx context.Context, k8s client.Client, d *appsv1.Deployment) error {
	before := d.DeepCopy()
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	d.Status.ObservedGeneration = d.Generation
	d.Status.Replicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UpdatedReplicas = replicas, replicas, replicas, replicas
	return k8s.Status().Patch(ctx, d, client.MergeFrom(before))
}

// PlayKubeletAndGC lists the Deployments every interval until ctx ends: a Deployment being
// deleted loses its finalizers (the garbage collector's part of a foreground deletion),
// and any other whose status lags its spec is reported ready (the kubelet's part).
func PlayKubeletAndGC(ctx context.Context, k8s client.Client, interval time.Duration) {
	for ctx.Err() == nil {
		deps := &appsv1.DeploymentList{}
		if err := k8s.List(ctx, deps); err == nil {
			for i := range deps.Items {
				d := &deps.Items[i]
				switch {
				case !d.DeletionTimestamp.IsZero():
					if len(d.Finalizers) > 0 {
						d.Finalizers = nil
						_ = k8s.Update(ctx, d)
					}
				case d.Status.ObservedGeneration != d.Generation || d.Status.ReadyReplicas == 0 && (d.Spec.Replicas == nil || *d.Spec.Replicas > 0):
					_ = MarkReady(ctx, k8s, d)
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}

// CreateNamespace creates a namespace for apps with the Flink ServiceAccount a namespace
// admin provides there (the operator creates none and refuses to deploy without it).
func CreateNamespace(ctx context.Context, k8s client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "flink",
		Labels: map[string]string{resources.FlinkServiceAccountLabel: "true"}}}
	if err := k8s.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
