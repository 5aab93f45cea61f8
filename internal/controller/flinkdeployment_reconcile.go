package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/validation"
)

// reconcile is the inner loop: validate → observe → plan (pure) → record intent → act →
// summarize. Every step starts from what the cluster and status say now, so a loop that
// dies anywhere is finished by the next one.
func (r *FlinkDeploymentReconciler) reconcile(ctx context.Context, dep *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	logger := log.FromContext(ctx)

	desired, missingSecret, err := r.targetSpec(ctx, dep)
	if err != nil {
		return ctrl.Result{}, err
	}
	if desired == nil { // invalid and nothing valid deployed before: wait for a fix
		var res ctrl.Result
		if missingSecret { // Secrets are not watched: look again for the one awaited
			res.RequeueAfter = r.stableInterval()
		}
		return res, r.summarize(ctx, dep)
	}
	lastReconciled, meta, err := dep.LastReconciledSpec()
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	// A rolled-back spec is not tried again until the user edits it (the rollback recorded
	// the generation of the spec that failed).
	desired = lifecycle.AimAfterRollback(desired, lastReconciled, dep.Status.ReconciliationStatus.State, meta.Generation, dep.Generation)
	lastStable, err := dep.LastStableSpec()
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("while reading lastStableSpec: %w", err)
	}
	opts, err := plannerOptions(desired)
	if err != nil {
		return ctrl.Result{}, r.core().reportBlocked(ctx, dep, err.Error())
	}

	// The spec whose cluster should be running right now: what observation compares with.
	running := lastReconciled
	if dep.Status.ReconciliationStatus.State == v1beta1.ReconciliationRollingBack && lastStable != nil {
		running = lastStable
	}
	if running == nil {
		running = desired
	}
	obs, err := r.observe(ctx, dep, running, opts)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.core().pollOrPrune(ctx, dep, obs.flink, opts.History); err != nil {
		return ctrl.Result{}, err
	}

	action := lifecycle.Plan(lifecycle.Input{
		Desired: desired, LastReconciled: lastReconciled, LastStable: lastStable,
		Observed: plannerFacts(dep, obs, running, opts, r.Clock.Now()), Options: opts, Now: r.Clock.Now(),
	})
	if action.Kind != lifecycle.ActionNothing && action.Kind != lifecycle.ActionWait {
		logger.Info("Acting", "action", action.Kind, "upgradeMode", action.UpgradeMode, "reason", action.Reason, "diff", action.Diff.String())
	}
	if action.Kind == lifecycle.ActionNothing && strings.Contains(dep.Status.Error, msgRolloutRefused) {
		// The refused upgrade was withdrawn (the spec is the deployed one again).
		if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) { clearRolloutRefusal(&d.Status.CommonStatus) }); err != nil {
			return ctrl.Result{}, err
		}
	}
	wait, err := act(ctx, deploymentSteps{r: r, dep: dep, desired: desired, lastReconciled: lastReconciled, obs: obs, opts: opts}, action)
	return r.core().finish(ctx, dep, action, wait, err, func() error { return r.summarize(ctx, dep) }, r.stableInterval())
}

// core is the job core (jobcore.go) over a FlinkDeployment's status.
func (r *FlinkDeploymentReconciler) core() jobCore[*v1beta1.FlinkDeployment] {
	return jobCore[*v1beta1.FlinkDeployment]{client: r.Client, recorder: r.Recorder, clock: r.Clock, where: "the JobManager",
		status:   func(d *v1beta1.FlinkDeployment) *v1beta1.CommonStatus { return &d.Status.CommonStatus },
		recorded: r.recordSnapshot, stops: &r.stops}
}

// checkpointing says whether the spec turns periodic checkpoints on.
func checkpointing(spec *v1beta1.FlinkDeploymentSpec) bool {
	flat, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return false
	}
	for _, k := range []string{"execution.checkpointing.interval", "execution.checkpointing.checkpointing-interval"} {
		if v := flat[k]; v != "" && v != "0" && v != "0s" {
			return true
		}
	}
	return false
}

// plannerOptions reads the kubernetes.operator.* switches of a spec.
func plannerOptions(spec *v1beta1.FlinkDeploymentSpec) (lifecycle.Options, error) {
	flat, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return lifecycle.Options{}, err
	}
	return lifecycle.DefaultOptions().WithConfig(flat)
}

// plannerFacts turns what was observed and recorded into the planner's plain values.
func plannerFacts(dep *v1beta1.FlinkDeployment, obs observed, running *v1beta1.FlinkDeploymentSpec, opts lifecycle.Options, now time.Time) lifecycle.Observed {
	st := dep.Status
	f := lifecycle.Observed{
		JobManager:           obs.jm,
		DeployedSpecCurrent:  obs.deployedHash != "" && obs.deployedHash == specHash(running),
		HAMetadata:           obs.haMetadata,
		Reconciliation:       st.ReconciliationStatus.State,
		FirstDeployment:      firstDeployment(st.ReconciliationStatus.LastReconciledSpec),
		ReconciledAt:         time.UnixMilli(st.ReconciliationStatus.ReconciliationTimestamp),
		DeployedAt:           obs.jmCreated,
		UpgradeSavepointPath: st.JobStatus.UpgradeSavepointPath,
		Health:               lifecycle.EvaluateHealth(healthSamples(&st), checkpointing(running), now, opts),
		LastCheckpoint:       obs.lastCheckpoint,
	}
	if obs.job != nil {
		f.Job = &lifecycle.JobFacts{ID: obs.job.ID, State: string(obs.job.State)}
	} else if jobstate.Terminal(st.JobStatus.State) {
		f.Job = &lifecycle.JobFacts{ID: st.JobStatus.JobID, State: st.JobStatus.State}
	}
	f.LastSavepoint, f.PendingSavepoint, f.LastPeriodicSavepoint = savepointFacts(st.JobStatus.SavepointInfo)
	f.Checkpoints = checkpointFacts(st.JobStatus.CheckpointInfo)
	return f
}

// targetSpec returns the spec the user wants when it is valid, else the last reconciled one
// (the operator keeps running on the last valid spec). A validation failure, or a Secret the
// pods need that does not exist, is recorded in status.error and as a ValidationError event.
// missingSecret says the spec was refused only for a Secret that does not exist yet.
func (r *FlinkDeploymentReconciler) targetSpec(ctx context.Context, dep *v1beta1.FlinkDeployment) (spec *v1beta1.FlinkDeploymentSpec, missingSecret bool, err error) {
	// The spec as its profile, then the operator config's defaults complete it (in memory
	// only). A profile that cannot apply makes the spec invalid.
	pd, prof, verr, err := profiledDeployment(ctx, r.profileReaders(), dep)
	if err != nil {
		return nil, false, err
	}
	eff, merged := effectiveDeployment(r.Config, pd)
	r.warnings.report(ctx, r.Recorder, dep, merged)
	if verr == nil {
		verr = validation.Deployment(eff)
	}
	if verr == nil {
		// A spec whose pods need a Secret that does not exist is refused the same way.
		if verr, err = r.missingSecrets(ctx, dep, &eff.Spec); err != nil {
			return nil, false, err
		}
		missingSecret = verr != nil
	}
	if verr == nil {
		// The quota pre-check and the profile's companion objects (profile_companions.go).
		// Neither is watched for the app, so a refusal is looked at again like a Secret.
		if verr, err = r.beforeDeploy(ctx, dep, eff, prof); err != nil {
			return nil, false, err
		}
		missingSecret = verr != nil
	}
	invalid, err := reportValidation(ctx, r.Client, r.Recorder, dep,
		func(d *v1beta1.FlinkDeployment) *string { return &d.Status.Error }, verr)
	if err != nil {
		return nil, false, err
	}
	if !invalid { // unless the profile's rollout holds it on its last spec
		spec, err := acceptUnderProfile(ctx, r.Client, dep, kindDeployment,
			func(d *v1beta1.FlinkDeployment) *v1beta1.CommonStatus { return &d.Status.CommonStatus },
			func(d *v1beta1.FlinkDeployment) *[]metav1.Condition { return &d.Status.Conditions }, prof, eff.Spec.DeepCopy())
		return spec, false, err
	}
	last, _, err := dep.LastReconciledSpec()
	if err != nil {
		return nil, false, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	return last, missingSecret, nil
}

// summarize derives lifecycleState and the Running condition from the recorded status.
func (r *FlinkDeploymentReconciler) summarize(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	last, _, _ := dep.LastReconciledSpec()
	if last == nil {
		return r.core().summarize(ctx, dep, nil, dep.Status.JobManagerDeploymentStatus, func(*v1beta1.FlinkDeployment, bool) {})
	}
	return r.core().summarize(ctx, dep, last.Job, dep.Status.JobManagerDeploymentStatus, func(d *v1beta1.FlinkDeployment, _ bool) {
		st := &d.Status
		status.PromoteStable(&st.ReconciliationStatus, status.DeploymentStable(last, st))
		status.SetRunningCondition(&st.Conditions, last.IsApplication(), st.JobStatus.State, st.JobManagerDeploymentStatus, d.Generation)
	})
}
