package controller

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// ReasonDrifted marks the re-apply of an object someone edited (weir's own reason: FKO
// does not repair drift).
const ReasonDrifted = "Drifted"

// repairDrift puts back the objects of a deployed cluster that were deleted or edited
// behind the operator's back: the rest and internal Services, the Flink ConfigMap, the
// Ingress (deleted when spec.ingress is gone) and a standalone cluster's TaskManager
// Deployment. Re-creating these is harmless: no job is started or restarted from them
// alone. The JobManager Deployment is left to the planner (a missing one is recovered
// from HA metadata, an edited one is not touched: re-applying it restarts the JobManager,
// which without HA restarts the job from empty state).
//
// Only the objects of a standing JobManager are repaired, and only once the last recorded
// spec is deployed (a rollout applies every object itself). The owned objects are
// watched, so a delete or an edit reconciles the app at once; the reads come from the
// informer caches.
func (r *FlinkDeploymentReconciler) repairDrift(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec, obs observed) error {
	rs := dep.Status.ReconciliationStatus.State
	// The cluster standing is the spec's: its hash says so, or no rollout is under way (an
	// in-place scale records a new spec without re-stamping the JobManager).
	current := obs.deployedHash == specHash(spec) || rs == v1beta1.ReconciliationDeployed || rs == v1beta1.ReconciliationRolledBack
	// Without a JobManager nothing uses these objects, and the deploy that brings it back
	// (resume, recovery) applies every one of them.
	if !current || obs.terminating || obs.jm == v1beta1.JMMissing {
		return nil
	}
	deployed, exact, err := r.deployedSet(ctx, dep, spec, obs)
	if err != nil {
		// The recorded spec built when it was deployed; should it no longer, the repair
		// waits for the next rollout rather than hold the planner back.
		log.FromContext(ctx).Info("Not repairing drift: the deployed spec does not build", "reason", err.Error())
		return nil
	}
	if deployed.TaskManager != nil && obs.deployedHash != "" {
		// The TaskManagers belong to the JobManager standing, whose spec hash tells rollouts
		// apart; the recorded spec may hash differently after changes that needed no restart.
		deployed.TaskManager.Annotations[annSpecHash] = obs.deployedHash
	}
	for _, o := range []client.Object{deployed.RestService, deployed.InternalService} {
		if err := r.repairObject(ctx, dep, o, true); err != nil {
			return err
		}
	}
	if deployed.Ingress != nil {
		if err := r.repairObject(ctx, dep, deployed.Ingress, true); err != nil {
			return err
		}
	} else {
		n := resources.Names(dep.Name)
		if err := deleteIfExists(ctx, r.Client, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: dep.Namespace, Name: n.Ingress}}); err != nil {
			return err
		}
	}
	if deployed.QueryableStateService != nil {
		if err := r.repairObject(ctx, dep, deployed.QueryableStateService, true); err != nil {
			return err
		}
	} else if err := deleteIfExists(ctx, r.Client, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: dep.Namespace, Name: resources.Names(dep.Name).QueryableStateService}}); err != nil {
		return err
	}
	// The ConfigMap and the TaskManagers carry the restore path and job id the JobManager
	// was started with. Unless that content is known exactly, only a lost object is put
	// back (pods cannot start without it); an edited one is left alone.
	if err := r.repairObject(ctx, dep, deployed.ConfigMap, exact); err != nil {
		return err
	}
	suspended := spec.Job != nil && spec.Job.EffectiveState() == v1beta1.JobStateSuspended
	if deployed.TaskManager != nil && !suspended && !obs.tmTerminating {
		return r.repairObject(ctx, dep, deployed.TaskManager, exact)
	}
	return nil
}

// deployedSet rebuilds the objects of the running cluster. The Flink configuration the
// JobManager was started with (its config-hash annotation) tells whether the build
// started from a snapshot: the build without a restore path and the one with the
// recorded upgrade savepoint are tried. exact says that one of them is the cluster's; if
// neither is (e.g. after an in-place scale), the savepoint one is the safer guess (Flink
// prefers HA's checkpoints to it, and without HA a restarted JobManager then resumes from
// the savepoint instead of from nothing).
func (r *FlinkDeploymentReconciler) deployedSet(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec, obs observed) (*resources.Set, bool, error) {
	jobID := dep.Status.JobStatus.JobID
	plain, err := r.build(dep, spec, nil, jobID)
	if err != nil {
		return nil, false, err
	}
	if configHash(plain.ConfigMap) == obs.configHash {
		return plain, true, nil
	}
	sp := dep.Status.JobStatus.UpgradeSavepointPath
	if sp == "" || spec.Job == nil {
		return plain, false, nil
	}
	var guess *resources.Set
	for _, allow := range []bool{false, true} {
		set, err := r.build(dep, spec, &resources.Restore{Path: sp, AllowNonRestoredState: allow}, jobID)
		if err != nil {
			return nil, false, err
		}
		if configHash(set.ConfigMap) == obs.configHash {
			return set, true, nil
		}
		if (spec.Job.AllowNonRestoredState != nil && *spec.Job.AllowNonRestoredState) == allow {
			guess = set
		}
	}
	log.FromContext(ctx).V(1).Info("The deployed Flink configuration is not the recorded spec's; only lost objects are restored")
	return guess, false, nil
}

// repairObject applies want when it is missing from the cache or, if edits may be
// reverted, when it no longer carries what the build puts there.
func (r *FlinkDeploymentReconciler) repairObject(ctx context.Context, dep *v1beta1.FlinkDeployment, want client.Object, revertEdits bool) error {
	have := want.DeepCopyObject().(client.Object)
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		r.Recorder.Eventf(dep, corev1.EventTypeWarning, ReasonMissing, "%s %s is missing; re-creating it", kindName(want), want.GetName())
	case err != nil:
		return fmt.Errorf("while reading %s %s: %w", kindName(want), want.GetName(), err)
	case !have.GetDeletionTimestamp().IsZero() || !revertEdits || !drifted(want, have):
		return nil
	default:
		r.Recorder.Eventf(dep, corev1.EventTypeWarning, ReasonDrifted, "%s %s was changed; restoring it", kindName(want), want.GetName())
		if w, ok := want.(*corev1.Service); ok {
			if err := r.freeServicePorts(ctx, w, have.(*corev1.Service)); err != nil {
				return err
			}
		}
	}
	return applyObject(ctx, r.Client, r.Scheme, want.DeepCopyObject().(client.Object))
}

// freeServicePorts puts the wanted ports in place of those that took a wanted port's name
// or number (an edited port of ours): server-side apply keys ports by number and
// protocol, so it would add the wanted port beside the edited one, which the API server
// refuses (names are unique). Ports that do not collide are left to whoever added them.
func (r *FlinkDeploymentReconciler) freeServicePorts(ctx context.Context, want, have *corev1.Service) error {
	collides := func(hp corev1.ServicePort) bool {
		return slices.ContainsFunc(want.Spec.Ports, func(wp corev1.ServicePort) bool {
			return (hp.Name == wp.Name || hp.Port == wp.Port) && !equality.Semantic.DeepDerivative(wp, hp)
		})
	}
	if !slices.ContainsFunc(have.Spec.Ports, collides) {
		return nil
	}
	patch := client.MergeFromWithOptions(have.DeepCopy(), client.MergeFromWithOptimisticLock{})
	have.Spec.Ports = slices.DeleteFunc(have.Spec.Ports, collides)
	for _, wp := range want.Spec.Ports {
		if !slices.ContainsFunc(have.Spec.Ports, func(hp corev1.ServicePort) bool { return equality.Semantic.DeepDerivative(wp, hp) }) {
			have.Spec.Ports = append(have.Spec.Ports, wp)
		}
	}
	if err := r.Patch(ctx, have, patch, client.FieldOwner(fieldOwner)); err != nil {
		return fmt.Errorf("while freeing the ports of Service %s: %w", have.Name, err)
	}
	return nil
}

// drifted says whether have lost or changed a field that want sets. Fields want leaves
// unset (API server defaults, a Service's clusterIP, any status) and labels or
// annotations others added are not drift: server-side apply leaves them to their owners.
func drifted(want, have client.Object) bool {
	d := equality.Semantic.DeepDerivative
	if !d(want.GetLabels(), have.GetLabels()) || !d(want.GetAnnotations(), have.GetAnnotations()) ||
		!d(want.GetOwnerReferences(), have.GetOwnerReferences()) {
		return true
	}
	switch w := want.(type) {
	case *corev1.Service:
		// Ports are a list keyed by port and protocol: a port someone else added stays
		// theirs, so each wanted port is looked for rather than compared by position.
		ws, hs := w.Spec.DeepCopy(), have.(*corev1.Service).Spec.DeepCopy()
		for _, wp := range ws.Ports {
			if !slices.ContainsFunc(hs.Ports, func(hp corev1.ServicePort) bool { return d(wp, hp) }) {
				return true
			}
		}
		ws.Ports, hs.Ports = nil, nil
		return !d(*ws, *hs)
	case *corev1.ConfigMap:
		h := have.(*corev1.ConfigMap)
		return !d(w.Data, h.Data) || !d(w.BinaryData, h.BinaryData)
	case *networkingv1.Ingress:
		return !d(w.Spec, have.(*networkingv1.Ingress).Spec)
	case *appsv1.Deployment:
		return !d(w.Spec, have.(*appsv1.Deployment).Spec)
	}
	return false
}

// kindName names an owned object's kind in Events.
func kindName(obj client.Object) string {
	switch obj.(type) {
	case *corev1.Service:
		return "Service"
	case *corev1.ConfigMap:
		return "ConfigMap"
	case *networkingv1.Ingress:
		return "Ingress"
	case *appsv1.Deployment:
		return "TaskManager Deployment" // the only Deployment repaired
	}
	return fmt.Sprintf("%T", obj)
}
