package controller

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/status"
)

// optSavepointOnDeletion is FKO's switch for a savepoint when a job's resource is deleted.
const optSavepointOnDeletion = opconfig.SavepointOnDeletion

// reconcile is the session job's inner loop: observe → poll pending savepoint → plan (pure)
// → record intent → act → summarize, as for FlinkDeployments.
// desired is the job's spec as its profile completes it (profile.go); job's own spec is the
// user's, never written.
func (r *FlinkSessionJobReconciler) reconcile(ctx context.Context, job *v1beta1.FlinkSessionJob, desired *v1beta1.FlinkSessionJobSpec,
	session *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	// A corrupt lastReconciledSpec stops here; the spec is read again below, after observe
	// and the steps that may write the status.
	if _, err := lastReconciledSessionSpec(job); err != nil {
		return ctrl.Result{}, err
	}
	eff := job.DeepCopy()
	eff.Spec = *desired
	conf, err := sessionJobConf(eff, session)
	if err != nil {
		return ctrl.Result{}, r.core().reportBlocked(ctx, job, err.Error())
	}
	opts, err := lifecycle.DefaultOptions().WithConfig(conf)
	if err != nil {
		return ctrl.Result{}, r.core().reportBlocked(ctx, job, err.Error())
	}
	obs, err := r.observe(ctx, job, session, opts)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.core().pollOrPrune(ctx, job, obs.flink, opts.History); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.finishSubmitted(ctx, job, obs); err != nil {
		return ctrl.Result{}, err
	}
	lastReconciled, err := lastReconciledSessionSpec(job)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Clock.Now()
	action := lifecycle.PlanSessionJob(lifecycle.SessionJobInput{
		Desired: desired.DeepCopy(), LastReconciled: lastReconciled,
		Observed: sessionFacts(job, obs), Options: opts, Now: now,
	})
	if action.Kind != lifecycle.ActionNothing && action.Kind != lifecycle.ActionWait {
		log.FromContext(ctx).Info("Acting", "action", action.Kind, "upgradeMode", action.UpgradeMode, "reason", action.Reason, "diff", action.Diff.String())
	}
	wait, err := act(ctx, sessionJobSteps{r: r, job: job, desired: desired, last: lastReconciled, obs: obs, opts: opts}, action)
	return r.core().finish(ctx, job, action, wait, err, func() error { return r.summarize(ctx, job, action) }, settings(r.Config).ReconcileInterval)
}

func lastReconciledSessionSpec(job *v1beta1.FlinkSessionJob) (*v1beta1.FlinkSessionJobSpec, error) {
	spec, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](job.Status.ReconciliationStatus.LastReconciledSpec)
	if err != nil {
		return nil, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	if !ok {
		return nil, nil
	}
	return &spec, nil
}

// sessionJobConf is the session cluster's flinkConfiguration overridden by the job's, where
// the kubernetes.operator.* switches of a session job are read from.
func sessionJobConf(job *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment) (map[string]string, error) {
	out := map[string]string{}
	if session != nil {
		sc, err := session.Spec.FlinkConfiguration.Flatten()
		if err != nil {
			return nil, fmt.Errorf("session cluster flinkConfiguration: %w", err)
		}
		for k, v := range sc {
			out[k] = v
		}
	}
	jc, err := job.Spec.FlinkConfiguration.Flatten()
	if err != nil {
		return nil, fmt.Errorf("spec.flinkConfiguration: %w", err)
	}
	for k, v := range opconfig.Merge(nil, jc).Conf { // operator-only keys dropped
		out[k] = v
	}
	return out, nil
}

// finishSubmitted completes a submission whose "done" record was lost: the rollout is
// still UPGRADING, yet Flink already runs the job with this rollout's fixed id. Without
// this the planner would take that job for the old one and stop it.
func (r *FlinkSessionJobReconciler) finishSubmitted(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved) error {
	rs := job.Status.ReconciliationStatus
	if rs.State != v1beta1.ReconciliationUpgrading || obs.job == nil {
		return nil
	}
	if obs.job.ID != sessionJobID(job) || job.Status.JobStatus.JobID != obs.job.ID {
		return nil
	}
	log.FromContext(ctx).Info("Job of this rollout already runs; recording the submission", "jobId", obs.job.ID)
	return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		j.Status.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	})
}

// sessionJobID is the fixed Flink job id of the current rollout: the resource's uid and
// the time its intent was recorded, so every retry of the same rollout uses the same id.
func sessionJobID(job *v1beta1.FlinkSessionJob) string {
	return deterministicJobID(string(job.UID), job.Status.ReconciliationStatus.ReconciliationTimestamp)
}

// summarize derives lifecycleState; a deployed, running, unsuspended spec becomes the
// last stable spec.
func (r *FlinkSessionJobReconciler) summarize(ctx context.Context, job *v1beta1.FlinkSessionJob, a lifecycle.Action) error {
	last, _ := lastReconciledSessionSpec(job)
	var lastJob *v1beta1.JobSpec
	if last != nil {
		lastJob = last.Job
	}
	return r.core().summarize(ctx, job, lastJob, "", func(j *v1beta1.FlinkSessionJob, suspended bool) {
		st := &j.Status
		if last != nil {
			status.PromoteStable(&st.ReconciliationStatus, status.SessionJobStable(suspended, st.JobStatus.State))
		}
		if a.Kind != lifecycle.ActionBlocked && strings.Contains(st.Error, errTypeReconcile) {
			st.Error = ""
		}
	})
}

func boolOption(conf map[string]string, key string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(conf[key]))
	return b
}
