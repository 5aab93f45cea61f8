package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/validation"
)

// beforeDeploy runs on a valid effective spec eff before it is accepted: the quota
// pre-check, then the companion objects of its profile p (nil: none). verr refuses the
// spec (status.error and an Event; what runs keeps its last valid spec).
func (r *FlinkDeploymentReconciler) beforeDeploy(ctx context.Context, dep, eff *v1beta1.FlinkDeployment, p *weirv1alpha1.FlinkProfile) (verr, err error) {
	if verr, err = r.quotaRefusal(ctx, dep, eff); verr != nil || err != nil {
		return verr, err
	}
	return r.applyCompanions(ctx, dep, p)
}

// quotaRefusal says whether eff's pods would exceed a ResourceQuota of the namespace,
// counting what the namespace's other pods hold (the app's own pods are replaced by an
// upgrade). The pods are summed here rather than read from the quota's status.used, which
// also counts the app's own pods and lags behind. Only a spec that would be deployed is
// checked: an unchanged or suspended one asks for no new pods.
func (r *FlinkDeploymentReconciler) quotaRefusal(ctx context.Context, dep, eff *v1beta1.FlinkDeployment) (verr, err error) {
	if eff.Spec.Job != nil && eff.Spec.Job.EffectiveState() == v1beta1.JobStateSuspended {
		return nil, nil
	}
	last, _, err := dep.LastReconciledSpec()
	if err != nil {
		return nil, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	if last != nil {
		same := eff.Spec.DeepCopy()
		if same.Job != nil && last.Job != nil {
			same.Job.UpgradeMode = last.Job.UpgradeMode // the mode the rollout used
		}
		if specHash(same) == specHash(last) {
			return nil, nil
		}
	}
	quotas := &corev1.ResourceQuotaList{}
	if err := r.List(ctx, quotas, client.InNamespace(dep.Namespace)); err != nil {
		return nil, fmt.Errorf("while listing ResourceQuotas: %w", err)
	}
	if len(quotas.Items) == 0 {
		return nil, nil
	}
	conf, err := flinkconf.Build(eff, &eff.Spec)
	if err != nil {
		return nil, nil // the build reports it when the spec is applied
	}
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(dep.Namespace)); err != nil {
		return nil, fmt.Errorf("while listing pods: %w", err)
	}
	others := slices.DeleteFunc(pods.Items, func(p corev1.Pod) bool { return ownPod(dep.Name, &p) })
	return validation.QuotaRefusal(dep.Namespace, resources.Footprint(&eff.Spec, conf), quotas.Items, validation.PodUsage(others)), nil
}

// ownPod says whether pod belongs to the Flink cluster of the app named app (either mode).
func ownPod(app string, pod *corev1.Pod) bool {
	t := pod.Labels[resources.LabelType]
	return pod.Labels[resources.LabelApp] == app && (t == resources.TypeNative || t == resources.TypeStandalone)
}

// applyCompanions applies the per-app objects of profile p (profile.Companions): the
// ServiceAccount, the TaskManagers' PodDisruptionBudget, the NetworkPolicy and the
// PodMonitor, and deletes the PDB, NetworkPolicy and PodMonitor p no longer asks for. It runs when the profile (or its
// generation) or the app's generation differs from the one the Profile condition
// recorded, so a stable app costs no API call.
//
// The ServiceAccount is created only in a namespace p's spec.namespaces selects: a
// profile that applies by label alone could otherwise be named by any tenant to get its
// account (and cloud role) made anywhere. An account of that name that weir did not create
// for this app is never taken over: the spec is refused.
func (r *FlinkDeploymentReconciler) applyCompanions(ctx context.Context, dep *v1beta1.FlinkDeployment, p *weirv1alpha1.FlinkProfile) (verr, err error) {
	cond := apimeta.FindStatusCondition(dep.Status.Conditions, ConditionProfile)
	if p == nil && cond == nil {
		return nil, nil
	}
	if p != nil && cond != nil && cond.Message == fmt.Sprintf("%s@%d", p.Name, p.Generation) && cond.ObservedGeneration == dep.Generation {
		return nil, nil
	}
	c := profile.Companions(p, dep)
	if sa := c.ServiceAccount; sa != nil {
		ok, err := r.namespaceSelected(ctx, p, dep.Namespace)
		if err != nil {
			return nil, err
		}
		if ok {
			if verr, err := r.ownServiceAccount(ctx, dep, sa.Name); verr != nil || err != nil {
				return verr, err
			}
			if err := applyObject(ctx, r.Client, r.Scheme, sa); err != nil {
				return refusedByAPI(p, err)
			}
		}
	}
	pdbName, npName := profile.CompanionNames(dep.Name)
	meta := metav1.ObjectMeta{Namespace: dep.Namespace}
	for _, o := range []struct {
		want  client.Object
		unset client.Object
	}{
		{c.PodDisruptionBudget, &policyv1.PodDisruptionBudget{ObjectMeta: withName(meta, pdbName)}},
		{c.NetworkPolicy, &networkingv1.NetworkPolicy{ObjectMeta: withName(meta, npName)}},
	} {
		if !isNil(o.want) {
			err = applyObject(ctx, r.Client, r.Scheme, o.want)
		} else if err = r.Delete(ctx, o.unset); apierrors.IsNotFound(err) {
			err = nil
		}
		if err != nil {
			return refusedByAPI(p, err)
		}
	}
	if err := r.applyPodMonitor(ctx, dep, c.PodMonitor, npName); err != nil {
		return refusedByAPI(p, err)
	}
	return nil, nil
}

// applyPodMonitor applies the app's PodMonitor (want), or deletes the one named name when
// the profile asks for none. Without the Prometheus Operator's CRD there is nothing to do:
// a profile may ask for PodMonitors in clusters that have no Prometheus Operator.
func (r *FlinkDeploymentReconciler) applyPodMonitor(ctx context.Context, dep *v1beta1.FlinkDeployment, want *unstructured.Unstructured, name string) error {
	gvk := profile.PodMonitorGVK
	if _, err := r.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); apimeta.IsNoMatchError(err) {
		return nil
	} else if err != nil {
		return err
	}
	if want != nil {
		return applyObject(ctx, r.Client, r.Scheme, want)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(dep.Namespace)
	u.SetName(name)
	if err := r.Delete(ctx, u); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

// refusedByAPI makes the API server's refusal of an object the profile describes (a
// service account name that is not a name, a NetworkPolicy it finds invalid) the spec's
// error, which the platform team fixes in the profile; other errors are retried.
func refusedByAPI(p *weirv1alpha1.FlinkProfile, err error) (verr, _ error) {
	if apierrors.IsInvalid(err) {
		return fmt.Errorf("FlinkProfile %q: %w", p.Name, err), nil
	}
	return nil, err
}

func withName(m metav1.ObjectMeta, name string) metav1.ObjectMeta { m.Name = name; return m }

// isNil sees through a typed nil pointer in an interface.
func isNil(o client.Object) bool {
	switch v := o.(type) {
	case *policyv1.PodDisruptionBudget:
		return v == nil
	case *networkingv1.NetworkPolicy:
		return v == nil
	}
	return o == nil
}

// namespaceSelected says whether p's spec.namespaces selects ns (read from the API server
// only when p selects by label).
func (r *FlinkDeploymentReconciler) namespaceSelected(ctx context.Context, p *weirv1alpha1.FlinkProfile, ns string) (bool, error) {
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if p.Spec.Namespaces != nil && p.Spec.Namespaces.Selector != nil && !slices.Contains(p.Spec.Namespaces.Names, ns) {
		if err := r.profileReaders().namespaces.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
			return false, fmt.Errorf("while reading namespace %s: %w", ns, err)
		}
	}
	return profile.SelectsNamespace(p, n), nil
}

// ownServiceAccount refuses an existing account of that name that this app does not
// control: weir does not take over (and annotate with a cloud role) an account someone
// else made. Read from the API server: the cache may not hold one made a moment ago.
func (r *FlinkDeploymentReconciler) ownServiceAccount(ctx context.Context, dep *v1beta1.FlinkDeployment, name string) (verr, err error) {
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	sa := &corev1.ServiceAccount{}
	err = reader.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: name}, sa)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case metav1.IsControlledBy(sa, dep):
		return nil, nil
	}
	return fmt.Errorf("ServiceAccount %q already exists in namespace %s and was not created by weir for this FlinkDeployment; "+
		"weir does not take over an account: delete or rename it, or change the FlinkProfile's serviceAccount.nameTemplate", name, dep.Namespace), nil
}

// namespaceResync is how often a profile that selects namespaces is looked at again:
// namespaces are not watched, so a namespace created or labelled later gets its quota then.
const namespaceResync = 5 * time.Minute

// syncNamespaceCompanions makes the ResourceQuota and LimitRange of profile p
// (profile.NamespaceCompanions) exist, as p says, in each namespace p selects and the
// operator watches, and deletes those p controls elsewhere (a namespace p no longer
// selects, or a part p no longer has). resync says to look again later.
func (r *FlinkProfileReconciler) syncNamespaceCompanions(ctx context.Context, p *weirv1alpha1.FlinkProfile) (resync bool, err error) {
	selected, err := r.selectedNamespaces(ctx, p)
	if err != nil {
		return false, err
	}
	var errs []error
	for _, ns := range selected {
		q, lr := profile.NamespaceCompanions(p, ns)
		if q != nil {
			errs = append(errs, applyObject(ctx, r.Client, r.Scheme(), q))
		}
		if lr != nil {
			errs = append(errs, applyObject(ctx, r.Client, r.Scheme(), lr))
		}
	}
	name := profile.NamespaceCompanionName(p.Name)
	quotas, ranges := &corev1.ResourceQuotaList{}, &corev1.LimitRangeList{}
	for _, l := range []client.ObjectList{quotas, ranges} {
		if err := r.List(ctx, l, client.MatchingLabels{weirv1alpha1.ProfileLabel: p.Name}); err != nil {
			return false, err
		}
	}
	stale := func(o client.Object, has bool) {
		if o.GetName() == name && metav1.IsControlledBy(o, p) && (!has || !slices.Contains(selected, o.GetNamespace())) {
			if err := r.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		}
	}
	for i := range quotas.Items {
		stale(&quotas.Items[i], p.Spec.ResourceQuota != nil)
	}
	for i := range ranges.Items {
		stale(&ranges.Items[i], p.Spec.LimitRange != nil)
	}
	return p.Spec.Namespaces != nil, errors.Join(errs...)
}

// selectedNamespaces are the existing namespaces p selects, among those the operator
// watches (Namespaces; empty: all).
func (r *FlinkProfileReconciler) selectedNamespaces(ctx context.Context, p *weirv1alpha1.FlinkProfile) ([]string, error) {
	n := p.Spec.Namespaces
	if n == nil || (len(n.Names) == 0 && n.Selector == nil) {
		return nil, nil
	}
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	var out []string
	watched := func(ns string) bool { return len(r.Namespaces) == 0 || slices.Contains(r.Namespaces, ns) }
	if n.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(n.Selector)
		if err != nil {
			return nil, nil // Validate reports it; the profile is not applied
		}
		list := &corev1.NamespaceList{}
		if err := reader.List(ctx, list, client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return nil, fmt.Errorf("while listing namespaces: %w", err)
		}
		for _, ns := range list.Items {
			if ns.DeletionTimestamp.IsZero() && watched(ns.Name) {
				out = append(out, ns.Name)
			}
		}
	}
	for _, name := range n.Names {
		if slices.Contains(out, name) || !watched(name) {
			continue
		}
		ns := &corev1.Namespace{}
		err := reader.Get(ctx, client.ObjectKey{Name: name}, ns)
		switch {
		case apierrors.IsNotFound(err):
			continue // a namespace created later is picked up by the resync
		case err != nil:
			return nil, fmt.Errorf("while reading namespace %s: %w", name, err)
		}
		if ns.DeletionTimestamp.IsZero() {
			out = append(out, name)
		}
	}
	return out, nil
}
