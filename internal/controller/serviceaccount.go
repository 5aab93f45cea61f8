package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// checkServiceAccount refuses to apply a set whose RoleBinding would grant the Flink Role
// to an account not marked for Flink. The operator creates service accounts only from a
// FlinkProfile's template (applyCompanions), never from a name in a FlinkDeployment: a user
// who may only create FlinkDeployments must not get one made for them.
func (r *FlinkDeploymentReconciler) checkServiceAccount(ctx context.Context, dep *v1beta1.FlinkDeployment, set *resources.Set) error {
	if set.RoleBinding == nil {
		return nil
	}
	for _, s := range set.RoleBinding.Subjects {
		sa := &corev1.ServiceAccount{}
		err := r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: s.Name}, sa)
		if apierrors.IsNotFound(err) && r.APIReader != nil {
			// One a profile made a moment ago (applyCompanions) may not be cached yet.
			err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: s.Name}, sa)
		}
		if apierrors.IsNotFound(err) {
			sa = nil
		} else if err != nil {
			return err
		}
		if err := resources.CheckFlinkServiceAccount(dep.Namespace, s.Name, sa); err != nil {
			return err
		}
	}
	return nil
}
