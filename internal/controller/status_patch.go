package controller

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// errConflict marks a status write that lost an optimistic-lock race.
var errConflict = errors.New("status changed under us")

// patchStatus applies mutate to obj's status and writes it with an optimistic lock, so a
// write-ahead record is never based on a stale read. obj is updated in place.
func patchStatus[T client.Object](ctx context.Context, c client.Client, obj T, mutate func(T)) error {
	before := obj.DeepCopyObject().(T)
	mutate(obj)
	if equality.Semantic.DeepEqual(statusOf(before), statusOf(obj)) {
		return nil
	}
	err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsConflict(err) {
		return fmt.Errorf("while patching status: %w", errConflict)
	}
	if err != nil {
		return fmt.Errorf("while patching status: %w", err)
	}
	recordStatus(obj) // the lifecycle metrics see every status written (metrics.go)
	return nil
}
