package controller

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/resources"
)

// pollTeardown is how often a rollout looks again while the old cluster goes away.
const pollTeardown = 2 * time.Second

// pollRefused is how often an upgrade the API server refused is tried again (a quota may be
// raised or a webhook fixed without a spec change; a spec change reconciles at once).
const pollRefused = 30 * time.Second

// deploymentSteps takes the planner's steps (act, jobcore_loop.go) for one FlinkDeployment.
type deploymentSteps struct {
	r                       *FlinkDeploymentReconciler
	dep                     *v1beta1.FlinkDeployment
	desired, lastReconciled *v1beta1.FlinkDeploymentSpec
	obs                     observed
	opts                    lifecycle.Options
}

func (s deploymentSteps) settle(ctx context.Context, a lifecycle.Action) error {
	return s.r.settle(ctx, s.dep, s.desired, s.lastReconciled, a.Record)
}

func (s deploymentSteps) blocked(ctx context.Context, reason string) error {
	return s.r.core().reportBlocked(ctx, s.dep, reason)
}

func (s deploymentSteps) deploy(ctx context.Context, a lifecycle.Action) (time.Duration, error) {
	return s.r.deployTarget(ctx, s.dep, a, s.obs)
}

func (s deploymentSteps) stop(ctx context.Context, a lifecycle.Action) (time.Duration, error) {
	return s.r.stopForRollout(ctx, s.dep, s.desired, s.lastReconciled, s.obs, a)
}

func (s deploymentSteps) savepoint(ctx context.Context, a lifecycle.Action) error {
	return s.r.triggerSavepoint(ctx, s.dep, s.desired, s.obs, s.opts, a.TriggerType)
}

func (s deploymentSteps) other(ctx context.Context, a lifecycle.Action) (time.Duration, error) {
	switch a.Kind {
	case lifecycle.ActionRollback:
		return s.stop(ctx, a)
	case lifecycle.ActionScale:
		return 0, s.r.scale(ctx, s.dep, s.desired, s.obs, a)
	}
	return 0, fmt.Errorf("unknown action %q", a.Kind)
}

// withMode returns a copy of spec whose job.upgradeMode is the mode actually used, which
// is what FKO records in lastReconciledSpec.
func withMode(spec *v1beta1.FlinkDeploymentSpec, mode v1beta1.UpgradeMode) *v1beta1.FlinkDeploymentSpec {
	out := spec.DeepCopy()
	setUpgradeMode(out.Job, mode)
	return out
}

// setUpgradeMode sets the mode actually used (withMode, withSessionMode); "" keeps job's.
func setUpgradeMode(job *v1beta1.JobSpec, mode v1beta1.UpgradeMode) {
	if job != nil && mode != "" {
		job.UpgradeMode = mode
	}
}

// settle handles a deployment with nothing to roll out: it records changes that need no
// restart (rec, the planner's Action.Record) and keeps a suspended job's pods away. (Drift
// in the deployed objects is not repaired here: observe does it, drift.go.)
func (r *FlinkDeploymentReconciler) settle(ctx context.Context, dep *v1beta1.FlinkDeployment,
	desired, lastReconciled, rec *v1beta1.FlinkDeploymentSpec) error {
	if lastReconciled == nil { // created suspended: record it, deploy nothing
		_, err := writeAhead(ctx, r.core(), dep, desired, v1beta1.ReconciliationDeployed, nil)
		return err
	}
	suspended := lastReconciled.Job != nil && lastReconciled.Job.EffectiveState() == v1beta1.JobStateSuspended
	if suspended {
		if dep.Status.JobStatus.SavepointInfo != nil && dep.Status.JobStatus.SavepointInfo.TriggerID != "" {
			return nil // the suspend savepoint is still being taken
		}
		return r.deleteCluster(ctx, dep, lastReconciled)
	}
	if dep.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed &&
		dep.Status.ReconciliationStatus.State != v1beta1.ReconciliationRolledBack {
		return nil
	}
	// Changes the planner ignores (for example kubernetes.operator.* keys) are recorded
	// without a restart.
	if rec == nil {
		return nil
	}
	same, err := sameSpec(lastReconciled, rec)
	if err != nil {
		return err
	}
	if !same {
		_, err := writeAhead(ctx, r.core(), dep, rec, dep.Status.ReconciliationStatus.State, stayStable(dep.Status.ReconciliationStatus))
		return err
	}
	// Nothing to record, but this generation has been looked at.
	return patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) { d.Status.ObservedGeneration = d.Generation })
}

// deployTarget applies the cluster for the planned target. A different cluster still
// standing (old spec, old job) is deleted first and waited for, so two copies of a job
// never run side by side.
func (r *FlinkDeploymentReconciler) deployTarget(ctx context.Context, dep *v1beta1.FlinkDeployment, a lifecycle.Action, obs observed) (time.Duration, error) {
	target := withMode(a.Target, a.UpgradeMode)
	state := v1beta1.ReconciliationUpgrading
	done := v1beta1.ReconciliationDeployed
	if dep.Status.ReconciliationStatus.State == v1beta1.ReconciliationRollingBack {
		state, done = v1beta1.ReconciliationRollingBack, v1beta1.ReconciliationRolledBack
		target = withMode(a.Target, a.Target.Job.EffectiveUpgradeMode())
	}
	// Record the target and the job id before anything is created (write-ahead).
	rec, err := writeAhead(ctx, r.core(), dep, target, state, func(st *v1beta1.CommonStatus) {
		if a.RestoreFrom != "" {
			st.JobStatus.UpgradeSavepointPath = a.RestoreFrom
		}
	})
	if err != nil {
		return 0, err
	}
	h := specHash(target)
	if obs.terminating || obs.tmTerminating || obs.deployedHash != "" && obs.deployedHash != h || obs.tmHash != "" && obs.tmHash != h ||
		obs.jm != v1beta1.JMMissing && obs.jobTerminal() {
		// The old cluster must be gone (both Deployments and their pods) before the new one
		// starts: a TaskManager Deployment still being deleted would swallow the new one.
		if gone, err := r.clusterGone(ctx, dep); err != nil || !gone {
			if err == nil {
				err = r.deleteCluster(ctx, dep, target)
			}
			return pollTeardown, err
		}
	}
	if a.HAData != lifecycle.HAKeep {
		// The planner's HA step (lifecycle.HADataStep), only before the first apply (the
		// intent is recorded above): a retried step must not touch the new job's.
		err := r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: resources.Names(dep.Name).JobManager}, &appsv1.Deployment{})
		if apierrors.IsNotFound(err) {
			if a.HAData == lifecycle.HADropJobGraph {
				err = r.deleteJobGraphs(ctx, dep)
			} else {
				err = r.deleteHAData(ctx, dep)
			}
		}
		if err != nil {
			return 0, err
		}
	}
	jobID := dep.Status.JobStatus.JobID
	if target.Job != nil && (a.UpgradeMode != v1beta1.UpgradeModeLastState || jobID == "") {
		jobID = rec.jobID(dep.UID)
	}
	var restore *resources.Restore
	if a.RestoreFrom != "" && a.UpgradeMode != v1beta1.UpgradeModeLastState {
		restore = &resources.Restore{Path: a.RestoreFrom, AllowNonRestoredState: target.Job.AllowNonRestoredState != nil && *target.Job.AllowNonRestoredState}
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		if d.Status.JobStatus.JobID != jobID {
			d.Status.JobStatus.JobID, d.Status.JobStatus.State = jobID, jobstate.Reconciling
		}
	}); err != nil {
		return 0, err
	}
	if err := r.apply(ctx, dep, target, restore, jobID); err != nil {
		return 0, err
	}
	switch {
	case a.Recovery:
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonMissing, "Missing JobManager deployment")
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonRecoverDeployment, "Recovering lost deployment: "+a.Reason)
	case dep.Status.ReconciliationStatus.LastStableSpec == "" && dep.Status.ReconciliationStatus.State == v1beta1.ReconciliationUpgrading:
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonSubmit, "Starting deployment: "+a.Reason)
	default:
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonSubmit, a.Reason)
	}
	return 0, patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		d.Status.ReconciliationStatus.State = done
		if done == v1beta1.ReconciliationRolledBack {
			d.Status.Error = ""
		}
	})
}

// apply builds the objects for spec and applies them; objects the build no longer wants are
// deleted.
func (r *FlinkDeploymentReconciler) apply(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec, restore *resources.Restore, jobID string) error {
	set, err := r.build(dep, spec, restore, jobID)
	if err != nil {
		return err
	}
	if err := r.checkServiceAccount(ctx, dep, set); err != nil {
		return err
	}
	suspended := spec.Job != nil && spec.Job.EffectiveState() == v1beta1.JobStateSuspended
	for _, o := range orderedObjects(dep, set, suspended) {
		if o.want {
			if err := applyObject(ctx, r.Client, r.Scheme, o.obj); err != nil {
				return err
			}
		} else if err := deleteIfExists(ctx, r.Client, o.obj); err != nil {
			return err
		}
	}
	return nil
}

// build builds the stamped objects of the cluster for spec.
func (r *FlinkDeploymentReconciler) build(dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec, restore *resources.Restore, jobID string) (*resources.Set, error) {
	conf, err := flinkconf.Build(dep, spec)
	if err != nil {
		return nil, fmt.Errorf("while building Flink configuration: %w", err)
	}
	set, err := resources.Build(resources.Input{Deployment: dep, Spec: spec, Conf: conf, Restore: restore, JobID: jobID})
	if err != nil {
		return nil, fmt.Errorf("while building objects: %w", err)
	}
	stamp(set, spec)
	return set, nil
}

// deleteCluster removes the pods of the cluster (JobManager and TaskManager Deployments),
// keeping config, services and Flink's HA data. Foreground deletion keeps the Deployment
// visible until its pods are gone, so "JobManager missing" means no old pod still runs.
func (r *FlinkDeploymentReconciler) deleteCluster(ctx context.Context, dep *v1beta1.FlinkDeployment, _ *v1beta1.FlinkDeploymentSpec) error {
	n := resources.Names(dep.Name)
	for _, name := range []string{n.JobManager, n.TaskManager} {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: dep.Namespace}}
		if err := r.Delete(ctx, d, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("while deleting %s: %w", name, err)
		}
	}
	return nil
}

// clusterGone says whether no JobManager or TaskManager pod of the cluster is left.
func (r *FlinkDeploymentReconciler) clusterGone(ctx context.Context, dep *v1beta1.FlinkDeployment) (bool, error) {
	n := resources.Names(dep.Name)
	for _, name := range []string{n.JobManager, n.TaskManager} {
		err := r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: name}, &appsv1.Deployment{})
		if err == nil {
			return false, nil
		}
		if !apierrors.IsNotFound(err) {
			return false, err
		}
	}
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(dep.Namespace), client.MatchingLabels{"app": dep.Name}); err != nil {
		return false, err
	}
	return len(pods.Items) == 0, nil
}

// stopForRollout is the first half of an upgrade, suspend, rollback or restart: it records
// the new intent, then stops the running job the way the upgrade mode says.
func (r *FlinkDeploymentReconciler) stopForRollout(ctx context.Context, dep *v1beta1.FlinkDeployment,
	desired, lastReconciled *v1beta1.FlinkDeploymentSpec, obs observed, a lifecycle.Action) (time.Duration, error) {
	if a.UpgradeMode == v1beta1.UpgradeModeSavepoint && obs.jobRunning() && r.core().stopHeld(dep) {
		return stopRetryWait, nil // the last stop-with-savepoint failed a moment ago
	}
	var spec *v1beta1.FlinkDeploymentSpec
	state := v1beta1.ReconciliationUpgrading
	switch a.Kind {
	case lifecycle.ActionUpgrade:
		spec = withMode(desired, a.UpgradeMode)
		// Nothing is stopped for a cluster the API server would refuse to create. Once a
		// rollout is recorded its stop may be under way: checking again then would keep
		// nothing running, only hold the new cluster back.
		if rs := dep.Status.ReconciliationStatus.State; rs != v1beta1.ReconciliationUpgrading && rs != v1beta1.ReconciliationRollingBack {
			refusal, err := r.rolloutRefusal(ctx, dep, spec)
			if err != nil {
				return 0, err
			}
			if refusal != "" {
				return pollRefused, r.core().reportBlocked(ctx, dep, msgRolloutRefused+refusal)
			}
		}
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonSpecChanged, "Upgrading ("+string(a.UpgradeMode)+"): "+a.Reason)
	case lifecycle.ActionSuspend:
		spec, state = withMode(desired, a.UpgradeMode), v1beta1.ReconciliationDeployed
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonSuspended, "Suspending job ("+string(a.UpgradeMode)+")")
	case lifecycle.ActionRollback:
		spec, state = lastReconciled, v1beta1.ReconciliationRollingBack
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonRollback, a.Reason)
	case lifecycle.ActionRestartUnhealthy:
		spec = withMode(lastReconciled, a.UpgradeMode)
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonRestartUnhealthyJob, a.Reason)
	}
	if a.Kind != lifecycle.ActionRollback || dep.Status.ReconciliationStatus.State != v1beta1.ReconciliationRollingBack {
		// A new rollout forgets the last one's savepoint; a rollback of a job that cannot
		// take one keeps the savepoint its failed upgrade took (a.RestoreFrom).
		if _, err := writeAhead(ctx, r.core(), dep, spec, state, func(st *v1beta1.CommonStatus) {
			st.JobStatus.UpgradeSavepointPath = a.RestoreFrom
			clearRolloutRefusal(st)
		}); err != nil {
			return 0, err
		}
	}
	switch a.UpgradeMode {
	case v1beta1.UpgradeModeSavepoint:
		if obs.jobRunning() {
			return pollSettling, r.stopWithSavepoint(ctx, dep, obs)
		}
	case v1beta1.UpgradeModeStateless:
		if obs.jobRunning() && obs.flink != nil {
			_ = obs.flink.CancelJob(ctx, obs.job.ID) // best effort: the pods go next anyway
		}
	}
	// last-state keeps HA data and the job id: deleting the pods is the whole stop.
	return pollTeardown, r.deleteCluster(ctx, dep, spec)
}

// scale applies a change in place: a native job's parallelism through its resource
// requirements, a standalone (reactive) cluster's TaskManager replicas. The JobManager and
// its configuration are left alone, so the running job is not redeployed.
func (r *FlinkDeploymentReconciler) scale(ctx context.Context, dep *v1beta1.FlinkDeployment, desired *v1beta1.FlinkDeploymentSpec, obs observed, a lifecycle.Action) error {
	last, _, _ := dep.LastReconciledSpec()
	spec := withMode(desired, last.Job.EffectiveUpgradeMode())
	if spec.Job != nil && lifecycle.ScaleContextFor(spec).InPlace {
		// The call comes before the record: once recorded, the change no longer shows as a
		// diff, so a failed call would never be retried. Repeating it is harmless.
		if _, err := rescaleInPlace(ctx, spec, obs); err != nil {
			return err
		}
	}
	if _, err := writeAhead(ctx, r.core(), dep, spec, v1beta1.ReconciliationDeployed, nil); err != nil {
		return err
	}
	r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonScaling, a.Reason)
	set, err := resources.Build(resources.Input{Deployment: dep, Spec: spec, JobID: dep.Status.JobStatus.JobID})
	if err != nil {
		return fmt.Errorf("while building objects: %w", err)
	}
	if set.TaskManager == nil {
		return nil // native: Flink sizes its own TaskManagers from the job's requirements
	}
	tm := &appsv1.Deployment{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(set.TaskManager), tm); err != nil {
		return client.IgnoreNotFound(err)
	}
	patch := client.MergeFrom(tm.DeepCopy())
	tm.Spec.Replicas = set.TaskManager.Spec.Replicas
	return r.Patch(ctx, tm, patch)
}
