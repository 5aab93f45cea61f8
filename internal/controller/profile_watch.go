package controller

import (
	"context"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/profile"
)

// profileEvents is how the app reconcilers of kind (kindDeployment, kindSessionJob) watch
// FlinkProfiles. A profile created or deleted, a new generation, or its rollout's
// generation or phase changing wakes every app the profile may apply to (appsOfProfile).
// Any other status write of the profile (its rollout's counts move with each app's step)
// wakes only the apps it admitted or dropped: waking them all would make each step of a
// fleet's rollout reconcile the whole fleet.
func profileEvents(c client.Reader, kind string, newList func() client.ObjectList) handler.EventHandler {
	all := appsOfProfile(c, newList)
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	add := func(q queue, reqs []reconcile.Request) {
		for _, r := range reqs {
			q.Add(r)
		}
	}
	return handler.Funcs{
		CreateFunc:  func(ctx context.Context, e event.CreateEvent, q queue) { add(q, all(ctx, e.Object)) },
		DeleteFunc:  func(ctx context.Context, e event.DeleteEvent, q queue) { add(q, all(ctx, e.Object)) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q queue) { add(q, all(ctx, e.Object)) },
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
			before, ok1 := e.ObjectOld.(*weirv1alpha1.FlinkProfile)
			after, ok2 := e.ObjectNew.(*weirv1alpha1.FlinkProfile)
			if !ok1 || !ok2 || profile.WakesAllApps(before, after) {
				add(q, all(ctx, e.ObjectNew))
				return
			}
			for _, key := range profile.AdmissionChanges(before.Status.Rollout, after.Status.Rollout) {
				// key is "<Kind>/<namespace>/<name>" (profile.AppKey)
				if parts := strings.SplitN(key, "/", 3); len(parts) == 3 && parts[0] == kind {
					q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: parts[1], Name: parts[2]}})
				}
			}
		},
	}
}

// appsOfProfile maps a FlinkProfile change to the apps it may apply to: those whose label
// names it, and those without the label (namespace selection may pick them, or have
// picked them before the change). Each reconcile then selects again.
func appsOfProfile(c client.Reader, newList func() client.ObjectList) func(context.Context, client.Object) []reconcile.Request {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		l := newList()
		if err := c.List(ctx, l); err != nil {
			return nil
		}
		items, _ := apimeta.ExtractList(l)
		var out []reconcile.Request
		for _, it := range items {
			o, ok := it.(client.Object)
			if !ok {
				continue
			}
			if name := o.GetLabels()[weirv1alpha1.ProfileLabel]; name == "" || name == obj.GetName() {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
			}
		}
		return out
	}
}
