package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
)

// sessionJobSteps takes the planner's steps (act, jobcore_loop.go) for one FlinkSessionJob.
type sessionJobSteps struct {
	r       *FlinkSessionJobReconciler
	job     *v1beta1.FlinkSessionJob
	desired *v1beta1.FlinkSessionJobSpec // job's spec under its profile
	last    *v1beta1.FlinkSessionJobSpec
	obs     sessionObserved
	opts    lifecycle.Options
}

func (s sessionJobSteps) settle(ctx context.Context, a lifecycle.Action) error {
	return s.r.settle(ctx, s.job, s.desired, s.last, a.SessionRecord, s.obs, s.opts)
}

func (s sessionJobSteps) blocked(ctx context.Context, reason string) error {
	return s.r.core().reportBlocked(ctx, s.job, reason)
}

func (s sessionJobSteps) deploy(ctx context.Context, a lifecycle.Action) (time.Duration, error) {
	if err := s.r.submit(ctx, s.job, s.obs, a); errors.Is(err, errDownloadQueued) {
		return pollSettling, nil
	} else if err != nil {
		return 0, err
	}
	return 0, nil
}

func (s sessionJobSteps) stop(ctx context.Context, a lifecycle.Action) (time.Duration, error) {
	return pollTeardown, s.r.stopForRollout(ctx, s.job, s.desired, s.last, s.obs, s.opts, a)
}

func (s sessionJobSteps) savepoint(ctx context.Context, a lifecycle.Action) error {
	return s.r.triggerSavepoint(ctx, s.job, s.obs, s.opts, a.TriggerType)
}

// other: a session job is never rolled back or scaled in place (lifecycle.PlanSessionJob).
func (s sessionJobSteps) other(_ context.Context, a lifecycle.Action) (time.Duration, error) {
	return 0, fmt.Errorf("session job: unexpected action %q", a.Kind)
}

// withSessionMode is withMode for a session job's spec.
func withSessionMode(spec *v1beta1.FlinkSessionJobSpec, mode v1beta1.UpgradeMode) *v1beta1.FlinkSessionJobSpec {
	out := spec.DeepCopy()
	setUpgradeMode(out.Job, mode)
	return out
}

// submit runs the target spec's job with this rollout's fixed job id, restoring from
// RestoreFrom. Intent (spec, UPGRADING, restore path, job id) is recorded first; a repeat
// after a crash re-submits the same id, which Flink refuses as a duplicate: that is success.
func (r *FlinkSessionJobReconciler) submit(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved, a lifecycle.Action) error {
	target := withSessionMode(a.SessionTarget, a.UpgradeMode)
	rec, err := writeAhead(ctx, r.core(), job, target, v1beta1.ReconciliationUpgrading, func(st *v1beta1.CommonStatus) {
		if a.RestoreFrom != "" {
			st.JobStatus.UpgradeSavepointPath = a.RestoreFrom
		}
	})
	if err != nil {
		return err
	}
	jobID := rec.jobID(job.UID)
	if err := patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		if j.Status.JobStatus.JobID != jobID {
			j.Status.JobStatus.JobID, j.Status.JobStatus.State = jobID, jobstate.Reconciling
		}
	}); err != nil {
		return err
	}
	if obs.flink == nil {
		return fmt.Errorf("session cluster %s is not reachable", job.Spec.DeploymentName)
	}
	if err := r.runJar(ctx, job, obs.flink, target, jobID, a.RestoreFrom); err != nil {
		return err
	}
	msg := a.Reason
	if job.Status.ReconciliationStatus.LastStableSpec == "" {
		msg = "Starting job: " + a.Reason
	}
	r.Recorder.Event(job, corev1.EventTypeNormal, ReasonSubmit, msg+" (job id "+jobID+")")
	return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		j.Status.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	})
}

// runJar fetches the jar, uploads it, runs it with jobID and deletes the upload.
func (r *FlinkSessionJobReconciler) runJar(ctx context.Context, job *v1beta1.FlinkSessionJob, fl rest.API,
	spec *v1beta1.FlinkSessionJobSpec, jobID, restore string) error {
	// The operator's policy alone decides what is downloaded (its own configuration, or
	// the reconciler's explicit policy); a resource's flinkConfiguration never does.
	if !r.downloads.acquire(job.Namespace) {
		return errDownloadQueued
	}
	jar, err := artifact.New(r.artifactPolicy()).Fetch(ctx, spec.Job.JarURI)
	r.downloads.release(job.Namespace)
	if err != nil {
		return err
	}
	defer jar.Close()
	jarID, err := fl.UploadJar(ctx, jar.Path)
	if err != nil {
		return fmt.Errorf("while uploading %s to session cluster %s: %w", jar.Name, job.Spec.DeploymentName, err)
	}
	defer func() {
		if err := fl.DeleteJar(ctx, jarID); err != nil && !rest.IsNotFound(err) {
			log.FromContext(ctx).Info("Could not delete uploaded jar", "jar", jarID, "reason", err.Error())
		}
	}()
	req := rest.RunJarRequest{
		EntryClass: spec.Job.EntryClass, ProgramArgs: spec.Job.Args, Parallelism: int(spec.Job.Parallelism),
		JobID: jobID, SavepointPath: restore,
		AllowNonRestoredState: spec.Job.AllowNonRestoredState != nil && *spec.Job.AllowNonRestoredState,
	}
	if jc, err := spec.FlinkConfiguration.Flatten(); err == nil {
		for k, v := range jc {
			if opconfig.IsOperatorKey(k) {
				continue // operator switches are not Flink's
			}
			if req.FlinkConfiguration == nil {
				req.FlinkConfiguration = map[string]string{}
			}
			req.FlinkConfiguration[k] = v
		}
	}
	if _, err := fl.RunJar(ctx, jarID, req); err != nil {
		if rest.IsDuplicateJob(err) {
			log.FromContext(ctx).Info("Job id already submitted by an earlier attempt", "jobId", jobID)
			return nil
		}
		return fmt.Errorf("while submitting job %s: %w", jobID, err)
	}
	return nil
}

// stopForRollout records the new intent (unless a rollout already in progress is being
// continued), then stops the running job the way the upgrade mode says.
func (r *FlinkSessionJobReconciler) stopForRollout(ctx context.Context, job *v1beta1.FlinkSessionJob, desired, last *v1beta1.FlinkSessionJobSpec,
	obs sessionObserved, opts lifecycle.Options, a lifecycle.Action) error {
	if a.UpgradeMode == v1beta1.UpgradeModeSavepoint && obs.running() && r.core().stopHeld(job) {
		return nil // the last stop-with-savepoint failed a moment ago
	}
	continuing := job.Status.ReconciliationStatus.State == v1beta1.ReconciliationUpgrading
	if !continuing {
		var spec *v1beta1.FlinkSessionJobSpec
		state := v1beta1.ReconciliationUpgrading
		switch a.Kind {
		case lifecycle.ActionUpgrade:
			spec = withSessionMode(desired, a.UpgradeMode)
			r.Recorder.Event(job, corev1.EventTypeNormal, ReasonSpecChanged, "Upgrading ("+string(a.UpgradeMode)+"): "+a.Reason)
		case lifecycle.ActionSuspend:
			spec, state = withSessionMode(desired, a.UpgradeMode), v1beta1.ReconciliationDeployed
			r.Recorder.Event(job, corev1.EventTypeNormal, ReasonSuspended, "Suspending job ("+string(a.UpgradeMode)+")")
		case lifecycle.ActionRestartUnhealthy:
			spec = withSessionMode(last, a.UpgradeMode)
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonRestartUnhealthyJob, a.Reason)
		}
		if _, err := writeAhead(ctx, r.core(), job, spec, state, func(st *v1beta1.CommonStatus) {
			// "" but for a savepoint redeploy, or the newest state known before a last-state stop
			st.JobStatus.UpgradeSavepointPath = a.RestoreFrom
		}); err != nil {
			return err
		}
	}
	if continuing && stopSavepointTaken(job, a.UpgradeMode) {
		return nil // the savepoint is taken; the job is on its way to FINISHED
	}
	return r.stopJob(ctx, job, obs, opts, a.UpgradeMode)
}

// stopSavepointTaken says the stop-with-savepoint of the rollout in progress completed
// (recording the rollout cleared upgradeSavepointPath), so a job still seen RUNNING is
// finishing and must not be stopped a second time.
func stopSavepointTaken(job *v1beta1.FlinkSessionJob, mode v1beta1.UpgradeMode) bool {
	return mode == v1beta1.UpgradeModeSavepoint && job.Status.JobStatus.UpgradeSavepointPath != ""
}

// stopJob stops the observed job: stop-with-savepoint (trigger id recorded first) in
// savepoint mode, cancel otherwise (last-state then restores from the retained checkpoint).
func (r *FlinkSessionJobReconciler) stopJob(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved, opts lifecycle.Options, mode v1beta1.UpgradeMode) error {
	if !obs.running() {
		if obs.flink != nil && obs.job != nil && !obs.job.State.IsGloballyTerminal() && mode != v1beta1.UpgradeModeSavepoint {
			return r.cancel(ctx, obs)
		}
		return nil
	}
	if mode == v1beta1.UpgradeModeSavepoint {
		if !obs.tasksRunning() {
			return nil // intent is recorded; stop once every task runs
		}
		return r.core().stopWithSavepoint(ctx, job, obs.flink, obs.job.ID, opts.SavepointFormat)
	}
	return r.cancel(ctx, obs)
}

func (r *FlinkSessionJobReconciler) cancel(ctx context.Context, obs sessionObserved) error {
	if err := obs.flink.CancelJob(ctx, obs.job.ID); err != nil && !rest.IsNotFound(err) {
		return fmt.Errorf("while cancelling job %s: %w", obs.job.ID, err)
	}
	return nil
}

// settle handles a job with nothing to roll out: a suspended job whose stop was lost in a
// crash is stopped again, and changes that need no restart (rec, the planner's
// Action.SessionRecord) are recorded.
func (r *FlinkSessionJobReconciler) settle(ctx context.Context, job *v1beta1.FlinkSessionJob, desired, last, rec *v1beta1.FlinkSessionJobSpec,
	obs sessionObserved, opts lifecycle.Options) error {
	if last == nil { // created suspended: record it, submit nothing
		_, err := writeAhead(ctx, r.core(), job, desired, v1beta1.ReconciliationDeployed, nil)
		return err
	}
	if last.Job != nil && last.Job.EffectiveState() == v1beta1.JobStateSuspended {
		if si := job.Status.JobStatus.SavepointInfo; si != nil && si.TriggerID != "" {
			return nil // the suspend savepoint is still being taken
		}
		if obs.running() && !stopSavepointTaken(job, last.Job.EffectiveUpgradeMode()) {
			return r.stopJob(ctx, job, obs, opts, last.Job.EffectiveUpgradeMode())
		}
		return nil
	}
	if job.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed || rec == nil {
		return nil
	}
	same, err := sameSpec(last, rec)
	if err != nil || same {
		return err
	}
	_, err = writeAhead(ctx, r.core(), job, rec, v1beta1.ReconciliationDeployed, stayStable(job.Status.ReconciliationStatus))
	return err
}
