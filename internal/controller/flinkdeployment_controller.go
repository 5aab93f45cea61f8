package controller

import (
	"context"
	"errors"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/reachability"
)

// Poll intervals: how often a deployment is looked at again while it settles, and once it
// is stable (Flink's job state is only seen by polling its REST API).
const (
	pollSettling = 5 * time.Second
	pollStable   = 15 * time.Second
)

// stableInterval is how often a stable or suspended deployment is looked at again:
// r.Interval, else the operator config's reconcile interval (pollInterval).
func (r *FlinkDeploymentReconciler) stableInterval() time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	return settings(r.Config).ReconcileInterval
}

// FlinkClientFactory returns a Flink REST client for a JobManager's base URL.
type FlinkClientFactory func(baseURL string) (rest.API, error)

// FlinkDeploymentReconciler reconciles FlinkDeployments.
type FlinkDeploymentReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder record.EventRecorder
	Clock    clock.PassiveClock
	// Flink opens REST clients; nil means job state is not observed.
	Flink FlinkClientFactory
	// Config is the operator config (defaults, operator-only settings); nil is empty.
	Config *opconfig.Store
	// APIReader reads what the cache does not hold (the metadata of Secrets the pods need);
	// nil means the Client.
	APIReader client.Reader
	warnings  configWarnings
	// Interval is how often a stable or suspended deployment is looked at again; zero
	// means 15 s. A settling one is looked at every 5 s, or every Interval if shorter.
	Interval time.Duration

	reach       *reachability.Tracker   // per-app JobManager backoff and observation times
	exceptions  jobExceptionEvents      // the job failures already announced
	checkpoints checkpointFailures      // why the jobs' checkpoints fail
	stops       stopBackoff             // failed stop-with-savepoints (deletion, rollout) not retried yet
	wake        chan event.GenericEvent // a probe that reached a dead JobManager wakes its app
}

// Alphabetical order, so that no permission is repeated or missed. No bind or escalate:
// Kubernetes lets the operator create the Flink Role (internal/resources/rbac.go) and bind
// it only because it holds every rule of that Role itself, which these markers grant
// (pods and leases deletecollection, deployments/finalizers), so it can grant nothing more.
// Service accounts are created only from a FlinkProfile's template, never from an app's
// spec (applyCompanions, resources.CheckFlinkServiceAccount); a profile's PDB and
// NetworkPolicy (and PodMonitor, when the Prometheus Operator's CRD exists) are applied,
// and deleted when it drops them, never read; ResourceQuotas are
// read for the quota pre-check (profile_companions.go). Secrets
// are only checked to exist (missingSecrets), one get of their metadata each, never watched.
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments/finalizers,verbs=update
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete;deletecollection
// +kubebuilder:rbac:groups="",resources=configmaps;services;pods,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=configmaps;pods,verbs=deletecollection
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=create;patch;delete
// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=podmonitors,verbs=create;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=flink.apache.org,resources=flinkdeployments;flinksessionjobs;flinkstatesnapshots,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=flink.apache.org,resources=flinkdeployments/status;flinksessionjobs/status;flinkstatesnapshots/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=flink.apache.org,resources=flinkdeployments/finalizers;flinksessionjobs/finalizers;flinkstatesnapshots/finalizers,verbs=update
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;update;patch;delete
// FlinkProfiles (cluster-scoped) are read and watched; a namespace is read only when a
// profile selects namespaces by label (profile.go).
// +kubebuilder:rbac:groups=weir.dev,resources=flinkprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// Reconcile brings one FlinkDeployment one step closer to its spec.
func (r *FlinkDeploymentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	dep := &v1beta1.FlinkDeployment{}
	if err := r.Get(ctx, req.NamespacedName, dep); err != nil {
		if apierrors.IsNotFound(err) {
			r.reach.Forget(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !dep.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, dep)
	}
	if !controllerutil.ContainsFinalizer(dep, finalizerName) {
		controllerutil.AddFinalizer(dep, finalizerName)
		if err := r.Update(ctx, dep); err != nil {
			return quietConflict(err)
		}
	}
	res, err := r.reconcile(ctx, dep)
	if err != nil {
		return quietConflict(err)
	}
	return res, nil
}

// quietConflict turns an optimistic-lock conflict into a quick requeue: another writer won,
// and the next loop starts from what it wrote.
func quietConflict(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) || errors.Is(err, errConflict) {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	return ctrl.Result{}, err
}

// SetupWithManager registers the reconciler and the objects it owns; opts (at most one)
// set e.g. MaxConcurrentReconciles.
func (r *FlinkDeploymentReconciler) SetupWithManager(mgr ctrl.Manager, opts ...controller.Options) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	reload, err := requeueOnConfigChange(mgr, r.Config, func() client.ObjectList { return &v1beta1.FlinkDeploymentList{} })
	if err != nil {
		return err
	}
	r.reach = reachability.New(reachability.DefaultPolicy)
	r.wake = make(chan event.GenericEvent, 64)
	if err := registerReachMetrics(r.reach, r.Clock.Now); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(controllerOptions(r.Config, opts)).
		WatchesRawSource(source.Channel(r.wake, &handler.EnqueueRequestForObject{})).
		For(&v1beta1.FlinkDeployment{}).
		WatchesRawSource(reload).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&networkingv1.Ingress{}).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		Watches(&weirv1alpha1.FlinkProfile{}, profileEvents(mgr.GetClient(), kindDeployment,
			func() client.ObjectList { return &v1beta1.FlinkDeploymentList{} })).
		Named("flinkdeployment").
		Complete(r)
}
