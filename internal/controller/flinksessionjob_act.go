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

// act carries out one planned step for a session job. Each branch records its intent in
// status before it calls Flink, and each is safe to repeat.
func (r *FlinkSessionJobReconciler) act(ctx context.Context, job *v1beta1.FlinkSessionJob, last *v1beta1.FlinkSessionJobSpec,
	obs sessionObserved, opts lifecycle.Options, a lifecycle.Action) (time.Duration, error) {
	switch a.Kind {
	case lifecycle.ActionNothing:
		return 0, r.settle(ctx, job, last, obs, opts)
	case lifecycle.ActionWait:
		return pollSettling, nil
	case lifecycle.ActionBlocked:
		return 30 * time.Second, r.reportBlocked(ctx, job, a.Reason)
	case lifecycle.ActionDeploy, lifecycle.ActionResume:
		if err := r.submit(ctx, job, obs, a); errors.Is(err, errDownloadQueued) {
			return pollSettling, nil
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	case lifecycle.ActionUpgrade, lifecycle.ActionSuspend, lifecycle.ActionRestartUnhealthy:
		return pollTeardown, r.stopForRollout(ctx, job, last, obs, opts, a)
	case lifecycle.ActionTriggerSavepoint:
		return pollSettling, r.triggerSavepoint(ctx, job, obs, opts, a.TriggerType)
	}
	return 0, fmt.Errorf("session job: unexpected action %q", a.Kind)
}

func withSessionMode(spec *v1beta1.FlinkSessionJobSpec, mode v1beta1.UpgradeMode) *v1beta1.FlinkSessionJobSpec {
	out := spec.DeepCopy()
	if out.Job != nil && mode != "" {
		out.Job.UpgradeMode = mode
	}
	return out
}

// recordSpec writes spec as lastReconciledSpec with the given state (write-ahead).
func (r *FlinkSessionJobReconciler) recordSpec(ctx context.Context, job *v1beta1.FlinkSessionJob, spec *v1beta1.FlinkSessionJobSpec,
	state v1beta1.ReconciliationState, mutate func(*v1beta1.FlinkSessionJobStatus)) error {
	// The same intent recorded again (a retry) must keep its timestamp, which fixes the
	// rollout's job id, so only the spec itself is compared, not the metadata around it.
	if last, err := lastReconciledSessionSpec(job); err == nil && last != nil && job.Status.ReconciliationStatus.State == state {
		if same, err := sameSpec(last, spec); err == nil && same {
			return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
				if mutate != nil {
					mutate(&j.Status)
				}
			})
		}
	}
	serialized, err := v1beta1.WriteSpecWithMeta(*spec, v1beta1.ReconciliationMetadata{
		APIVersion: v1beta1.GroupVersion.String(), FirstDeployment: job.Status.ReconciliationStatus.LastReconciledSpec == "", Generation: job.Generation,
	})
	if err != nil {
		return err
	}
	now := r.Clock.Now().UnixMilli()
	return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		markReconciled(&j.Status.ReconciliationStatus, serialized, state, now)
		j.Status.ObservedGeneration = j.Generation
		if mutate != nil {
			mutate(&j.Status)
		}
	})
}

// submit runs the target spec's job with this rollout's fixed job id, restoring from
// RestoreFrom. Intent (spec, UPGRADING, restore path, job id) is recorded first; a repeat
// after a crash re-submits the same id, which Flink refuses as a duplicate: that is success.
func (r *FlinkSessionJobReconciler) submit(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved, a lifecycle.Action) error {
	target := withSessionMode(a.SessionTarget, a.UpgradeMode)
	if err := r.recordSpec(ctx, job, target, v1beta1.ReconciliationUpgrading, func(st *v1beta1.FlinkSessionJobStatus) {
		if a.RestoreFrom != "" {
			st.JobStatus.UpgradeSavepointPath = a.RestoreFrom
		}
	}); err != nil {
		return err
	}
	jobID := sessionJobID(job)
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
func (r *FlinkSessionJobReconciler) stopForRollout(ctx context.Context, job *v1beta1.FlinkSessionJob, last *v1beta1.FlinkSessionJobSpec,
	obs sessionObserved, opts lifecycle.Options, a lifecycle.Action) error {
	continuing := job.Status.ReconciliationStatus.State == v1beta1.ReconciliationUpgrading
	if !continuing {
		var spec *v1beta1.FlinkSessionJobSpec
		state := v1beta1.ReconciliationUpgrading
		switch a.Kind {
		case lifecycle.ActionUpgrade:
			spec = withSessionMode(&job.Spec, a.UpgradeMode)
			r.Recorder.Event(job, corev1.EventTypeNormal, ReasonSpecChanged, "Upgrading ("+string(a.UpgradeMode)+"): "+a.Reason)
		case lifecycle.ActionSuspend:
			spec, state = withSessionMode(&job.Spec, a.UpgradeMode), v1beta1.ReconciliationDeployed
			r.Recorder.Event(job, corev1.EventTypeNormal, ReasonSuspended, "Suspending job ("+string(a.UpgradeMode)+")")
		case lifecycle.ActionRestartUnhealthy:
			spec = withSessionMode(last, a.UpgradeMode)
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonRestartUnhealthyJob, a.Reason)
		}
		if err := r.recordSpec(ctx, job, spec, state, func(st *v1beta1.FlinkSessionJobStatus) {
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
		tid, err := r.recordTrigger(ctx, job, v1beta1.SnapshotTriggerUpgrade)
		if err != nil {
			return err
		}
		if _, err := obs.flink.StopWithSavepoint(ctx, obs.job.ID, rest.StopRequest{Format: rest.SavepointFormat(opts.SavepointFormat), TriggerID: tid}); err != nil {
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Stop with savepoint failed: "+err.Error())
			return r.clearTrigger(ctx, job)
		}
		return nil
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
// crash is stopped again, and changes that need no restart are recorded.
func (r *FlinkSessionJobReconciler) settle(ctx context.Context, job *v1beta1.FlinkSessionJob, last *v1beta1.FlinkSessionJobSpec,
	obs sessionObserved, opts lifecycle.Options) error {
	if last == nil { // created suspended: record it, submit nothing
		return r.recordSpec(ctx, job, &job.Spec, v1beta1.ReconciliationDeployed, nil)
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
	if job.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed || job.Spec.Job == nil || last.Job == nil {
		return nil
	}
	rec := withSessionMode(&job.Spec, last.Job.EffectiveUpgradeMode())
	rec.Job.SavepointTriggerNonce = last.Job.SavepointTriggerNonce
	rec.Job.CheckpointTriggerNonce = last.Job.CheckpointTriggerNonce
	same, err := sameSpec(last, rec)
	if err != nil || same {
		return err
	}
	return r.recordSpec(ctx, job, rec, v1beta1.ReconciliationDeployed, nil)
}
