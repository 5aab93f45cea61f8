package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/profile"
)

// ConditionProfileValid says whether a FlinkProfile passes profile.Validate. While it does
// not, its apps keep running on their last valid effective spec.
const ConditionProfileValid = "Valid"

// FlinkProfileReconciler writes what the operator makes of a FlinkProfile into its status:
// status.error and the Valid condition, for its observedGeneration, and status.rollout: it
// is the one writer that admits apps to a new generation (profile_rollout.go). Profiles are
// read, never changed otherwise; the app reconcilers apply them.
type FlinkProfileReconciler struct {
	client.Client
	// APIReader lists namespaces (not cached); nil means the Client.
	APIReader client.Reader
	// Namespaces the operator watches (empty: all): a profile's ResourceQuota and
	// LimitRange go only there (profile_companions.go).
	Namespaces []string
	Clock      clock.PassiveClock // admission times and the rollout's progress deadline; default real
}

// +kubebuilder:rbac:groups=weir.dev,resources=flinkprofiles/status,verbs=get;update;patch
// Each selected namespace gets the profile's ResourceQuota and LimitRange; namespaces are
// listed (uncached) to find those a profile selects by label.
// +kubebuilder:rbac:groups="",resources=resourcequotas;limitranges,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list

// Reconcile validates one FlinkProfile.
func (r *FlinkProfileReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := &weirv1alpha1.FlinkProfile{}
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	cond := metav1.Condition{Type: ConditionProfileValid, Status: metav1.ConditionTrue, Reason: "Valid",
		Message: "the profile applies to its apps", ObservedGeneration: p.Generation}
	msg := ""
	if err := profile.Validate(p); err != nil {
		msg = err.Error()
		cond.Status, cond.Reason = metav1.ConditionFalse, "Invalid"
		cond.Message = "invalid; its apps keep running on their last valid effective spec: " + msg
	}
	var ro *weirv1alpha1.RolloutStatus // an invalid generation is never rolled out
	if msg == "" {
		var err error
		if ro, err = r.rollout(ctx, p); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := patchStatus(ctx, r.Client, p, func(p *weirv1alpha1.FlinkProfile) {
		p.Status.ObservedGeneration, p.Status.Error = p.Generation, msg
		apimeta.SetStatusCondition(&p.Status.Conditions, cond)
		if ro != nil {
			p.Status.Rollout = ro
		}
	}); err != nil || msg != "" { // an invalid profile keeps its namespaces' objects as they are
		return quietConflict(err)
	}
	next := profile.NextCheck(ro, profile.PaceOf(p), r.Clock.Now())
	resync, err := r.syncNamespaceCompanions(ctx, p)
	if err != nil {
		return ctrl.Result{}, err
	}
	if resync && (next == 0 || namespaceResync < next) {
		next = namespaceResync
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// SetupWithManager registers the reconciler: a profile's spec changes, and its apps'
// changes, which move its rollout on.
func (r *FlinkProfileReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&weirv1alpha1.FlinkProfile{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&corev1.ResourceQuota{}). // an edited or deleted quota is put back
		Owns(&corev1.LimitRange{}).
		Watches(&v1beta1.FlinkDeployment{}, handler.EnqueueRequestsFromMapFunc(profileOfApp)).
		Watches(&v1beta1.FlinkSessionJob{}, handler.EnqueueRequestsFromMapFunc(profileOfApp)).
		Named("flinkprofile").
		Complete(r)
}
