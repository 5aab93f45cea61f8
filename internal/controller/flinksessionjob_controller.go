package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/validation"
)

// ConditionSessionClusterReady says whether the session job's FlinkDeployment can take jobs.
const ConditionSessionClusterReady = status.ConditionSessionClusterReady

const sessionWaitPoll = 10 * time.Second

// FlinkSessionJobReconciler submits, upgrades, suspends and cancels jobs on session clusters.
type FlinkSessionJobReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder record.EventRecorder
	Clock    clock.PassiveClock
	// Reader reads the resource itself past the cache, so that a step is never taken
	// twice on a stale copy; nil uses the manager's API reader.
	Reader client.Reader
	// Flink opens REST clients; nil means jobs are never submitted (validation and the
	// SessionClusterReady condition only).
	Flink FlinkClientFactory
	// Config is the operator config (defaults, operator-only settings); nil is empty.
	Config   *opconfig.Store
	warnings configWarnings
	// ArtifactPolicy, when set, overrides the operator config's artifact policy (tests,
	// flags). Either way it is the operator's own setting: a resource never changes it.
	ArtifactPolicy *artifact.Policy

	downloads   downloadSlots
	exceptions  jobExceptionEvents // the job failures already announced
	checkpoints checkpointFailures // why the jobs' checkpoints fail
	stops       stopBackoff        // failed stop-with-savepoints (deletion, rollout) not retried yet
}

// Reconcile brings one FlinkSessionJob one step closer to its spec.
func (r *FlinkSessionJobReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	job := &v1beta1.FlinkSessionJob{}
	if err := r.Reader.Get(ctx, req.NamespacedName, job); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	session := &v1beta1.FlinkDeployment{}
	err := r.Get(ctx, client.ObjectKey{Namespace: job.Namespace, Name: job.Spec.DeploymentName}, session)
	if apierrors.IsNotFound(err) {
		session = nil
	} else if err != nil {
		return ctrl.Result{}, fmt.Errorf("while reading session deployment: %w", err)
	}
	// The session's configuration as its profile and the operator config's defaults complete it.
	rd := profileReaders{r.Client, r.Reader}
	session = effectiveForReading(ctx, rd, r.Config, session)
	if !job.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, job, session)
	}
	if controllerutil.AddFinalizer(job, sessionJobFinalizer) {
		if err := r.Update(ctx, job); err != nil {
			return quietConflict(err)
		}
	}

	if own, err := job.Spec.FlinkConfiguration.Flatten(); err == nil {
		r.warnings.report(ctx, r.Recorder, job, opconfig.Merge(nil, own))
	}
	var verr error // without its session a job is checked once the session exists
	var prof *weirv1alpha1.FlinkProfile
	desired := job // the job as its profile completes it, in memory only
	if session != nil {
		if desired, prof, verr, err = profiledSessionJob(ctx, rd, job, session); err != nil {
			return ctrl.Result{}, err
		}
		if verr == nil {
			verr = validation.SessionJobAllowing(desired, session, r.artifactPolicy().Schemes())
		}
	}
	invalid, err := reportValidation(ctx, r.Client, r.Recorder, job, func(j *v1beta1.FlinkSessionJob) *string { return &j.Status.Error }, verr)
	if err != nil {
		return quietConflict(err)
	}
	spec := &desired.Spec
	if !invalid && session != nil { // unless the profile's rollout holds it on its last spec
		if spec, err = acceptUnderProfile(ctx, r.Client, job, kindSessionJob,
			func(j *v1beta1.FlinkSessionJob) *v1beta1.CommonStatus { return &j.Status.CommonStatus },
			func(j *v1beta1.FlinkSessionJob) *[]metav1.Condition { return &j.Status.Conditions }, prof, spec); err != nil {
			return quietConflict(err)
		}
	}
	if invalid {
		return quietConflict(patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
			j.Status.LifecycleState = sessionJobLifecycle(&j.Status.CommonStatus)
		}))
	}

	cond := status.SessionClusterCondition(job, session)
	err = patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		meta.SetStatusCondition(&j.Status.Conditions, cond)
		j.Status.LifecycleState = sessionJobLifecycle(&j.Status.CommonStatus)
	})
	if err != nil {
		return quietConflict(err)
	}
	if session == nil || r.Flink == nil {
		return ctrl.Result{RequeueAfter: sessionWaitPoll}, nil
	}
	res, err := r.reconcile(ctx, job, spec.DeepCopy(), session)
	if err != nil {
		return quietConflict(err)
	}
	return res, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// artifactPolicy is the operator's rule for session-job jars: the reconciler's explicit
// policy, else the operator config's (reloaded with it).
func (r *FlinkSessionJobReconciler) artifactPolicy() artifact.Policy {
	return ArtifactPolicyOf(r.Config, r.ArtifactPolicy)
}

// SetupWithManager registers the reconciler; a change of a session FlinkDeployment wakes
// the jobs that point at it.
func (r *FlinkSessionJobReconciler) SetupWithManager(mgr ctrl.Manager, opts ...controller.Options) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	if r.ArtifactPolicy != nil {
		if err := r.ArtifactPolicy.Validate(); err != nil {
			return err
		}
	}
	reload, err := requeueOnConfigChange(mgr, r.Config, func() client.ObjectList { return &v1beta1.FlinkSessionJobList{} })
	if err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(controllerOptions(r.Config, opts)).
		For(&v1beta1.FlinkSessionJob{}).
		WatchesRawSource(reload).
		Watches(&v1beta1.FlinkDeployment{}, handler.EnqueueRequestsFromMapFunc(r.jobsOfSession)).
		Watches(&weirv1alpha1.FlinkProfile{}, profileEvents(mgr.GetClient(), kindSessionJob,
			func() client.ObjectList { return &v1beta1.FlinkSessionJobList{} })).
		Named("flinksessionjob").
		Complete(r)
}

func (r *FlinkSessionJobReconciler) jobsOfSession(ctx context.Context, obj client.Object) []reconcile.Request {
	jobs := &v1beta1.FlinkSessionJobList{}
	if err := r.List(ctx, jobs, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, j := range jobs.Items {
		if j.Spec.DeploymentName == obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: j.Namespace, Name: j.Name}})
		}
	}
	return out
}

// sessionJobLifecycle is lifecycleOf for a session job's status, its recorded spec read
// from the status itself.
func sessionJobLifecycle(st *v1beta1.CommonStatus) v1beta1.ResourceLifecycleState {
	last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](st.ReconciliationStatus.LastReconciledSpec)
	return lifecycleOf(st, last.Job, "")
}
