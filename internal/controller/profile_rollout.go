package controller

import (
	"context"
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/profile"
)

// ConditionProfileRollout is False on an app held on its last reconciled spec until its
// profile's rollout admits it to the profile's new generation (docs/profiles.md, "Gradual
// rollout"); absent otherwise.
const ConditionProfileRollout = "ProfileRollout"

// Kinds as the rollout names apps ("<Kind>/<namespace>/<name>").
const (
	kindDeployment = "FlinkDeployment"
	kindSessionJob = "FlinkSessionJob"
)

// acceptUnderProfile is the last step of accepting an app's valid spec eff under profile p:
// it returns the spec to run. That is eff, named in the Profile condition, unless the
// profile's rollout holds the app (profile.Hold): then it is the last reconciled spec, and
// the ProfileRollout condition says what the app waits for.
func acceptUnderProfile[T client.Object, S any](ctx context.Context, c client.Client, obj T, kind string,
	common func(T) *v1beta1.CommonStatus, conds func(T) *[]metav1.Condition, p *weirv1alpha1.FlinkProfile, eff *S) (*S, error) {
	last, meta, ok, err := v1beta1.ReadSpecWithMeta[S](common(obj).ReconciliationStatus.LastReconciledSpec)
	if err != nil {
		return nil, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	held, why, same := false, "", false
	if ok && p != nil {
		if same, err = sameSpec(&last, eff); err != nil {
			return nil, err
		}
		if !same { // a generation that changes nothing for this app is taken at once
			held, why = profile.Hold(p, profile.AppKey(kind, obj.GetNamespace(), obj.GetName()),
				profileCondition(*conds(obj)), meta.Generation != obj.GetGeneration())
		}
	}
	err = patchStatus(ctx, c, obj, func(o T) {
		if !held {
			apimeta.RemoveStatusCondition(conds(o), ConditionProfileRollout)
			return
		}
		apimeta.SetStatusCondition(conds(o), metav1.Condition{Type: ConditionProfileRollout, Status: metav1.ConditionFalse,
			Reason: "WaitingForProfileRollout", Message: why, ObservedGeneration: o.GetGeneration()})
	})
	if err != nil || held {
		return &last, err
	}
	if ok && p != nil && !same {
		// The Profile condition moves on once eff is recorded (written ahead of the upgrade,
		// with lifecycleState UPGRADING): until then the app's STABLE is its old spec's,
		// which the rollout must not count as the new generation's.
		return eff, nil
	}
	return eff, recordProfile(ctx, c, obj, conds, p)
}

// profileCondition is the message of an app's Profile condition ("<name>@<generation>").
func profileCondition(conds []metav1.Condition) string {
	if c := apimeta.FindStatusCondition(conds, ConditionProfile); c != nil {
		return c.Message
	}
	return ""
}

// rollout computes profile p's status.rollout from the apps whose accepted spec comes
// from p (their Profile condition names it).
func (r *FlinkProfileReconciler) rollout(ctx context.Context, p *weirv1alpha1.FlinkProfile) (*weirv1alpha1.RolloutStatus, error) {
	var apps []profile.AppState
	add := func(kind string, o client.Object, st *v1beta1.CommonStatus, conds []metav1.Condition) {
		if name, gen, ok := profile.Taken(profileCondition(conds)); ok && name == p.Name {
			apps = append(apps, profile.AppState{Key: profile.AppKey(kind, o.GetNamespace(), o.GetName()), Generation: gen,
				Lifecycle: st.LifecycleState, Error: st.Error, Invalid: strings.Contains(st.Error, errTypeValidation)})
		}
	}
	var deps v1beta1.FlinkDeploymentList
	if err := r.List(ctx, &deps); err != nil {
		return nil, fmt.Errorf("while listing FlinkDeployments: %w", err)
	}
	for i := range deps.Items {
		d := &deps.Items[i]
		add(kindDeployment, d, &d.Status.CommonStatus, d.Status.Conditions)
	}
	var jobs v1beta1.FlinkSessionJobList
	if err := r.List(ctx, &jobs); err != nil {
		return nil, fmt.Errorf("while listing FlinkSessionJobs: %w", err)
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		add(kindSessionJob, j, &j.Status.CommonStatus, j.Status.Conditions)
	}
	ro := profile.Rollout(p.Status.Rollout, p.Generation, profile.PaceOf(p), apps, r.Clock.Now())
	return &ro, nil
}

// profileOfApp maps an app's change (its status moving on) to the profile its accepted
// spec comes from and the one its label names, whose rollout may move on.
func profileOfApp(_ context.Context, obj client.Object) []reconcile.Request {
	var conds []metav1.Condition
	switch o := obj.(type) {
	case *v1beta1.FlinkDeployment:
		conds = o.Status.Conditions
	case *v1beta1.FlinkSessionJob:
		conds = o.Status.Conditions
	}
	var out []reconcile.Request
	name, _, _ := profile.Taken(profileCondition(conds))
	if name != "" {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
	}
	if l := obj.GetLabels()[weirv1alpha1.ProfileLabel]; l != "" && l != name {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: l}})
	}
	return out
}
