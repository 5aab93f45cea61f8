package controller

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// applyObject server-side-applies a desired object built by the pure builders. SSA makes the
// step idempotent: re-applying after a crash changes nothing, and fields that other
// controllers own (a Service's clusterIP, Deployment defaults) are left alone. opts add
// patch options (client.DryRunAll for the rollout check in rollout_dryrun.go).
func applyObject(ctx context.Context, c client.Client, scheme *runtime.Scheme, obj client.Object, opts ...client.PatchOption) error {
	gvk, err := apiutil.GVKForObject(obj, scheme)
	if err != nil {
		return fmt.Errorf("while resolving kind of %T: %w", obj, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	obj.SetResourceVersion("")
	obj.SetManagedFields(nil)
	//nolint:staticcheck // client.Apply on typed objects is the documented way in controller-runtime 0.22
	opts = append([]client.PatchOption{client.FieldOwner(fieldOwner), client.ForceOwnership}, opts...)
	if err := c.Patch(ctx, obj, client.Apply, opts...); err != nil {
		return fmt.Errorf("while applying %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	return nil
}

// deleteIfExists deletes an object that the build no longer wants. It reads the owned
// kind's cache first, which spares a DELETE per unwanted object on every deploy (thousands
// at scale); a stale cache only defers the delete to a later reconcile.
func deleteIfExists(ctx context.Context, c client.Client, obj client.Object) error {
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object)); apierrors.IsNotFound(err) {
		return nil
	}
	if err := c.Delete(ctx, obj, client.PropagationPolicy("Background")); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("while deleting %T %s: %w", obj, obj.GetName(), err)
	}
	return nil
}
