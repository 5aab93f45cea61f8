package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/profile"
)

// ConditionProfile names the FlinkProfile, and its generation, that the app's effective
// spec comes from: message "<name>@<generation>". FKO's status has no field for it, and a
// condition fits both kinds (a session job's status has no clusterInfo). It changes only
// when a spec under the profile is accepted (and recorded, profile_rollout.go), so while a
// profile is missing, invalid or contradicted it keeps naming the one the app last ran with.
const ConditionProfile = "Profile"

// profileReaders read FlinkProfiles (the cache, in a reconciler) and, only when a profile
// selects namespaces by label, the app's Namespace (the API server: the operator does not
// cache namespaces).
type profileReaders struct{ profiles, namespaces client.Reader }

// profileFor returns the FlinkProfile that applies to an app in namespace ns with labels,
// or nil when none does. verr says the selection fails (the labelled profile does not
// exist or does not admit ns, or two profiles select ns); err is an API failure.
func profileFor(ctx context.Context, rd profileReaders, ns string, labels map[string]string) (p *weirv1alpha1.FlinkProfile, verr, err error) {
	if rd.profiles == nil { // nothing to read profiles with (a bare webhook Validator): none
		return nil, nil, nil
	}
	var list weirv1alpha1.FlinkProfileList
	if err := rd.profiles.List(ctx, &list); err != nil {
		return nil, nil, fmt.Errorf("while listing FlinkProfiles: %w", err)
	}
	if len(list.Items) == 0 && labels[weirv1alpha1.ProfileLabel] == "" {
		return nil, nil, nil
	}
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	// The namespace's labels matter only to a profile that selects by label.
	for _, it := range list.Items {
		if it.Spec.Namespaces != nil && it.Spec.Namespaces.Selector != nil {
			if err := rd.namespaces.Get(ctx, client.ObjectKey{Name: ns}, namespace); err != nil {
				return nil, nil, fmt.Errorf("while reading namespace %s: %w", ns, err)
			}
			break
		}
	}
	p, verr = profile.Select(list.Items, namespace, labels)
	return p, verr, nil
}

// profiledDeployment returns dep as its profile completes it (in memory only: the user's
// spec is never written) and that profile; dep itself and nil when no profile applies.
// verr says the profile cannot apply: it is missing, invalid, or the app contradicts what
// it enforces. The operator config's defaults go under the result afterwards
// (effectiveDeployment), as docs/profiles.md orders the layers.
func profiledDeployment(ctx context.Context, rd profileReaders, dep *v1beta1.FlinkDeployment) (
	out *v1beta1.FlinkDeployment, p *weirv1alpha1.FlinkProfile, verr, err error) {
	p, verr, err = profileFor(ctx, rd, dep.Namespace, dep.Labels)
	if err != nil || verr != nil || p == nil {
		return dep, nil, verr, err
	}
	eff, _, verr := profile.Effective(p, dep)
	if verr != nil {
		return dep, p, verr, nil
	}
	return eff, p, nil, nil
}

// EffectiveDeploymentWithProfile is the FlinkDeployment the reconciler validates and acts
// on: its profile's layers, then the operator config's defaults. The admission webhook
// calls it, so that `kubectl apply` refuses what the reconciler would, with its message.
func EffectiveDeploymentWithProfile(ctx context.Context, c client.Reader, store *opconfig.Store,
	dep *v1beta1.FlinkDeployment) (eff *v1beta1.FlinkDeployment, verr, err error) {
	if dep == nil {
		return nil, nil, nil
	}
	pd, _, verr, err := profiledDeployment(ctx, profileReaders{c, c}, dep)
	if err != nil {
		return nil, nil, err
	}
	eff, _ = effectiveDeployment(store, pd)
	return eff, verr, nil
}

// effectiveForReading is the deployment with its profile (when that applies cleanly) and
// the operator config's defaults, for the steps that only read its switches (deletion,
// snapshot resources, a session job's cluster). A profile that cannot apply leaves the
// app's own spec: the reconcile loop reports why.
func effectiveForReading(ctx context.Context, rd profileReaders, store *opconfig.Store, dep *v1beta1.FlinkDeployment) *v1beta1.FlinkDeployment {
	if dep == nil {
		return nil
	}
	pd, _, verr, err := profiledDeployment(ctx, rd, dep)
	if err != nil || verr != nil {
		pd = dep
	}
	eff, _ := effectiveDeployment(store, pd)
	return eff
}

// profiledSessionJob returns job as its profile completes it, in the key names of the
// session cluster's Flink version (in memory only), and that profile.
func profiledSessionJob(ctx context.Context, rd profileReaders, job *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment) (
	out *v1beta1.FlinkSessionJob, p *weirv1alpha1.FlinkProfile, verr, err error) {
	p, verr, err = profileFor(ctx, rd, job.Namespace, job.Labels)
	if err != nil || verr != nil || p == nil {
		return job, nil, verr, err
	}
	var version v1beta1.FlinkVersion
	if session != nil {
		version = session.Spec.FlinkVersion
	}
	eff, _, verr := profile.EffectiveSessionJob(p, job, version)
	if verr != nil {
		return job, p, verr, nil
	}
	return eff, p, nil, nil
}

// recordProfile writes ConditionProfile: the profile p (nil: none) the accepted spec
// comes from.
func recordProfile[T client.Object](ctx context.Context, c client.Client, obj T, conds func(T) *[]metav1.Condition, p *weirv1alpha1.FlinkProfile) error {
	return patchStatus(ctx, c, obj, func(o T) {
		if p == nil {
			apimeta.RemoveStatusCondition(conds(o), ConditionProfile)
			return
		}
		apimeta.SetStatusCondition(conds(o), metav1.Condition{
			Type: ConditionProfile, Status: metav1.ConditionTrue, Reason: "ProfileApplied",
			Message:            fmt.Sprintf("%s@%d", p.Name, p.Generation),
			ObservedGeneration: o.GetGeneration(),
		})
	})
}

// profileReaders: the cache for profiles, the API server for a namespace.
func (r *FlinkDeploymentReconciler) profileReaders() profileReaders {
	if r.APIReader == nil {
		return profileReaders{r.Client, r.Client}
	}
	return profileReaders{r.Client, r.APIReader}
}

// SessionJobWithProfile is the FlinkSessionJob the reconciler validates and acts on, under
// its profile; session is the job's cluster as EffectiveForReading completes it. The
// admission webhook calls it, for the reconciler's verdict and message.
func SessionJobWithProfile(ctx context.Context, c client.Reader, job *v1beta1.FlinkSessionJob,
	session *v1beta1.FlinkDeployment) (eff *v1beta1.FlinkSessionJob, verr, err error) {
	if session == nil { // the reconciler applies the profile once the session exists
		return job, nil, nil
	}
	eff, _, verr, err = profiledSessionJob(ctx, profileReaders{c, c}, job, session)
	return eff, verr, err
}

// EffectiveForReading is effectiveForReading for the admission webhook (one reader).
func EffectiveForReading(ctx context.Context, c client.Reader, store *opconfig.Store, dep *v1beta1.FlinkDeployment) *v1beta1.FlinkDeployment {
	return effectiveForReading(ctx, profileReaders{c, c}, store, dep)
}
