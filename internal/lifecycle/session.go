package lifecycle

import (
	"fmt"
	"reflect"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// SessionJobObserved is what the controller saw for a FlinkSessionJob.
type SessionJobObserved struct {
	// ClusterReady: the session FlinkDeployment's JobManager is ready and its REST answers.
	ClusterReady bool
	// Job is the job with the recorded job id, as Flink reports it; nil when Flink does not
	// know it (never submitted, or lost with a session cluster that had no HA).
	Job            *JobFacts
	Reconciliation v1beta1.ReconciliationState
	// FirstDeployment: the submission in progress is the job's first; there is no state to
	// carry and none is missing.
	FirstDeployment bool
	ReconciledAt    time.Time
	// UpgradeSavepointPath is the savepoint the stop step of an upgrade/suspend produced.
	UpgradeSavepointPath string
	// LastCheckpointPath is the newest retained completed checkpoint of the job, the
	// last-state of a session job (Flink keeps it after cancel only with
	// execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION).
	LastCheckpointPath string
	// LastCheckpointTime is when that checkpoint completed (zero when unknown).
	LastCheckpointTime time.Time
	// RestoredFrom is the checkpoint or savepoint the job's run started from (Flink's
	// checkpoint statistics, latest.restored): its state until it completes a checkpoint.
	RestoredFrom string
	// JobStarted is when the observed job started (zero when no job is observed).
	JobStarted            time.Time
	LastSavepoint         *Snapshot
	PendingSavepoint      *PendingTrigger
	LastPeriodicSavepoint time.Time
	Checkpoints           CheckpointFacts
}

// SessionJobInput is everything PlanSessionJob decides from.
type SessionJobInput struct {
	Desired        *v1beta1.FlinkSessionJobSpec
	LastReconciled *v1beta1.FlinkSessionJobSpec
	Observed       SessionJobObserved
	Options        Options
	Now            time.Time
}

func (o *SessionJobObserved) running() bool {
	return o.ClusterReady && o.Job != nil && o.Job.State == jobstate.Running
}

// PlanSessionJob returns the next step for a FlinkSessionJob. A session job is stopped and
// resubmitted with a new deterministic job id; its state travels in a savepoint
// (savepoint mode) or its latest retained checkpoint (last-state).
func PlanSessionJob(in SessionJobInput) Action {
	a := planSessionJob(in)
	if a.Kind == ActionNothing && in.LastReconciled != nil && in.LastReconciled.Job != nil && in.Desired.Job != nil {
		a.SessionRecord = in.Desired.DeepCopy()
		a.SessionRecord.Job.UpgradeMode = in.LastReconciled.Job.EffectiveUpgradeMode()
		keepRecordedNonces(a.SessionRecord.Job, in.LastReconciled.Job)
	}
	return a
}

func planSessionJob(in SessionJobInput) Action {
	if in.Desired == nil || in.Desired.Job == nil {
		return Action{Kind: ActionBlocked, Reason: "spec.job is required for a session job"}
	}
	o := &in.Observed
	if in.LastReconciled == nil || in.LastReconciled.Job == nil {
		if in.Desired.Job.EffectiveState() == v1beta1.JobStateSuspended {
			return Action{Kind: ActionNothing, Reason: "created with job.state suspended; nothing to submit"}
		}
		if !o.ClusterReady {
			return Action{Kind: ActionWait, Reason: "waiting for session cluster " + in.Desired.DeploymentName}
		}
		a := Action{Kind: ActionDeploy, SessionTarget: in.Desired, UpgradeMode: in.Desired.Job.EffectiveUpgradeMode(), Reason: "first submission"}
		if p := in.Desired.Job.InitialSavepointPath; p != "" {
			a.RestoreFrom, a.Reason = p, "first submission, restoring from initialSavepointPath "+p
		}
		return a
	}
	if o.Reconciliation == v1beta1.ReconciliationUpgrading {
		return continueSessionRollout(in)
	}
	diff, err := DiffSessionJob(in.LastReconciled, in.Desired)
	if err != nil {
		return Action{Kind: ActionBlocked, Reason: err.Error()}
	}
	want, had := in.Desired.Job.EffectiveState(), in.LastReconciled.Job.EffectiveState()
	switch {
	case had == v1beta1.JobStateRunning && want == v1beta1.JobStateSuspended:
		return sessionStop(in, ActionSuspend, diff, "job.state set to suspended")
	case had == v1beta1.JobStateSuspended && want == v1beta1.JobStateSuspended:
		if o.PendingSavepoint != nil {
			return Action{Kind: ActionWait, Reason: "suspending: waiting for savepoint " + o.PendingSavepoint.TriggerID}
		}
		if o.running() { // recorded as suspended, but the stop never happened
			mode := in.LastReconciled.Job.EffectiveUpgradeMode()
			if mode == v1beta1.UpgradeModeSavepoint && o.UpgradeSavepointPath != "" {
				// Recording the suspend cleared the path: this is its savepoint, and the job
				// is on its way to FINISHED. Stopping again would forget the savepoint.
				return Action{Kind: ActionWait, Reason: "suspending: savepoint " + o.UpgradeSavepointPath + " taken; the job is finishing"}
			}
			a := Action{Kind: ActionSuspend, UpgradeMode: mode, Diff: diff, Reason: "suspend in progress: the job still runs; stopping it"}
			if mode == v1beta1.UpgradeModeLastState {
				a.RestoreFrom, _, _ = sessionLastState(o) // the fallback recorded with the suspend
			}
			return a
		}
		return Action{Kind: ActionNothing, Diff: diff, Reason: "job is suspended"}
	case had == v1beta1.JobStateSuspended:
		if !o.ClusterReady {
			return Action{Kind: ActionWait, Reason: "waiting for session cluster " + in.Desired.DeploymentName}
		}
		return sessionResume(in, diff)
	}
	switch diff.Type {
	case DiffSavepointRedeploy:
		p := in.Desired.Job.InitialSavepointPath
		if p == "" {
			return Action{Kind: ActionBlocked, Diff: diff, Reason: "savepointRedeployNonce changed but job.initialSavepointPath is empty"}
		}
		return Action{Kind: ActionUpgrade, UpgradeMode: v1beta1.UpgradeModeStateless, RestoreFrom: p, Diff: diff, Reason: "savepoint redeploy from " + p}
	case DiffUpgrade, DiffScale:
		return sessionStop(in, ActionUpgrade, diff, diff.String())
	}
	return sessionSteady(in)
}

// chooseSessionMode is chooseUpgradeMode for session jobs: never stateless unless asked.
// The restore point of a last-state stop is found before the job is stopped: with no state
// known the stop is refused, so a job is never cancelled that cannot be restored. restore
// is that point, recorded as the fallback (a newer checkpoint wins after the stop).
func chooseSessionMode(in SessionJobInput, want v1beta1.UpgradeMode) (mode v1beta1.UpgradeMode, restore, reason string, ok bool) {
	o := &in.Observed
	switch want {
	case v1beta1.UpgradeModeStateless:
		return want, "", "", true
	case v1beta1.UpgradeModeLastState:
		if stale, why := checkpointTooOld(in.Options, o.LastCheckpointTime, in.Now); stale && o.running() {
			return v1beta1.UpgradeModeSavepoint, "", why, true
		}
		if path, _, ok := sessionLastState(o); ok {
			return want, path, "", true
		}
		return "", "", "no checkpoint, restored snapshot or savepoint of the job is known for a last-state restore (not stopping it)", false
	default:
		if o.running() {
			return v1beta1.UpgradeModeSavepoint, "", "", true
		}
		if path, _, ok := sessionLastState(o); ok && in.Options.LastStateFallback {
			return v1beta1.UpgradeModeLastState, path, "the job is not running, so no savepoint can be taken: using its newest known state", true
		}
		return "", "", "the job is not running, so no savepoint can be taken, and no checkpoint or savepoint of it is known", false
	}
}

// sessionLastState is the newest known state of the job, its last-state: the newer of its
// latest completed checkpoint and a savepoint taken while it ran, else the snapshot its run
// restored (Flink's statistics, or the restore point recorded in upgradeSavepointPath).
func sessionLastState(o *SessionJobObserved) (path, reason string, ok bool) {
	sp := o.LastSavepoint
	spOfThisRun := sp != nil && o.Job != nil && !o.JobStarted.IsZero() && !sp.Time.Before(o.JobStarted)
	switch {
	case o.LastCheckpointPath != "" && (!spOfThisRun || !o.LastCheckpointTime.Before(sp.Time)):
		return o.LastCheckpointPath, "restoring from checkpoint " + o.LastCheckpointPath, true
	case spOfThisRun:
		return sp.Path, "restoring from savepoint " + sp.Path + ", the newest state of the job", true
	case o.RestoredFrom != "":
		return o.RestoredFrom, "restoring from " + o.RestoredFrom + ", which the job restored and has not checkpointed since", true
	case o.UpgradeSavepointPath != "":
		return o.UpgradeSavepointPath, "restoring from " + o.UpgradeSavepointPath + ", the newest state recorded for the job", true
	}
	return "", "no checkpoint or savepoint of the job is known for a last-state restore; refusing to start from empty state", false
}

func sessionStop(in SessionJobInput, kind ActionKind, diff SpecDiff, why string) Action {
	o := &in.Observed
	if o.PendingSavepoint != nil && !in.Options.IgnorePendingSavepoint {
		return Action{Kind: ActionWait, Diff: diff, Reason: fmt.Sprintf("%s; waiting for savepoint %s to finish first", why, o.PendingSavepoint.TriggerID)}
	}
	mode, restore, reason, ok := chooseSessionMode(in, in.Desired.Job.EffectiveUpgradeMode())
	if !ok {
		return Action{Kind: ActionBlocked, Diff: diff, Reason: why + ", but " + reason}
	}
	if reason != "" {
		why += "; " + reason
	}
	return Action{Kind: kind, UpgradeMode: mode, RestoreFrom: restore, Diff: diff, Reason: why}
}

// sessionRestore says where a stopped session job's state is, by the mode it stopped with.
func sessionRestore(o *SessionJobObserved, mode v1beta1.UpgradeMode) (path string, reason string, ok bool) {
	switch mode {
	case v1beta1.UpgradeModeSavepoint:
		if o.UpgradeSavepointPath != "" {
			return o.UpgradeSavepointPath, "restoring from savepoint " + o.UpgradeSavepointPath, true
		}
		return "", "no savepoint is recorded (jobStatus.upgradeSavepointPath); refusing to start from empty state", false
	case v1beta1.UpgradeModeLastState:
		return sessionLastState(o)
	}
	return "", "starting stateless job with empty state", true
}

func sessionResume(in SessionJobInput, diff SpecDiff) Action {
	mode := in.LastReconciled.Job.EffectiveUpgradeMode()
	path, reason, ok := sessionRestore(&in.Observed, mode)
	if !ok {
		return Action{Kind: ActionBlocked, Diff: diff, Reason: "cannot resume: " + reason}
	}
	return Action{Kind: ActionResume, SessionTarget: in.Desired, UpgradeMode: mode, RestoreFrom: path, Diff: diff, Reason: "resuming, " + reason}
}

func continueSessionRollout(in SessionJobInput) Action {
	o := &in.Observed
	if o.PendingSavepoint != nil && o.PendingSavepoint.Type == v1beta1.SnapshotTriggerUpgrade {
		return Action{Kind: ActionWait, Reason: "upgrade: waiting for stop-with-savepoint " + o.PendingSavepoint.TriggerID}
	}
	mode := in.LastReconciled.Job.EffectiveUpgradeMode()
	if o.running() {
		// The old job still runs (the stop did not happen, or the operator died first).
		return Action{Kind: ActionUpgrade, UpgradeMode: mode, Reason: "upgrade in progress: stopping the old job"}
	}
	if !o.ClusterReady {
		return Action{Kind: ActionWait, Reason: "upgrade: waiting for session cluster " + in.LastReconciled.DeploymentName}
	}
	path, reason, ok := sessionRestore(o, mode)
	switch {
	case mode == v1beta1.UpgradeModeLastState && ok: // the newest state, found after the stop
	case o.UpgradeSavepointPath != "": // a savepoint taken or chosen (redeploy) for this rollout
		path, reason, ok = o.UpgradeSavepointPath, "restoring from savepoint "+o.UpgradeSavepointPath, true
	case o.FirstDeployment: // a retried first submission (initialSavepointPath is recorded above)
		path, reason, ok = "", "first submission, nothing to restore", true
	}
	if !ok {
		return Action{Kind: ActionBlocked, Reason: "upgrade: " + reason}
	}
	return Action{Kind: ActionDeploy, SessionTarget: in.LastReconciled, UpgradeMode: mode, RestoreFrom: path, Reason: "upgrade: submitting, " + reason}
}

func sessionSteady(in SessionJobInput) Action {
	o := &in.Observed
	opts := in.Options
	job := in.Desired.Job
	if !o.ClusterReady {
		return Action{Kind: ActionWait, Reason: "session cluster " + in.Desired.DeploymentName + " is not ready"}
	}
	if o.Job == nil {
		// The session cluster lost the job (restarted without HA): resubmit from its state.
		mode := in.LastReconciled.Job.EffectiveUpgradeMode()
		if mode == v1beta1.UpgradeModeStateless {
			return Action{Kind: ActionDeploy, SessionTarget: in.LastReconciled, UpgradeMode: mode, Reason: "job is gone from the session cluster; resubmitting stateless job"}
		}
		if path, reason, ok := sessionLastState(o); ok {
			return Action{Kind: ActionDeploy, SessionTarget: in.LastReconciled, UpgradeMode: v1beta1.UpgradeModeLastState, RestoreFrom: path,
				Reason: "job is gone from the session cluster; resubmitting, " + reason}
		}
		return Action{Kind: ActionBlocked, Reason: "job is gone from the session cluster and no checkpoint is known; refusing to start a stateful job from empty state. Manual restore required."}
	}
	switch o.Job.State {
	case jobstate.Failed:
		if !opts.RestartFailed {
			return Action{Kind: ActionNothing, Reason: "job FAILED; set " + OptRestartFailed + ": true to restart failed jobs"}
		}
		mode, restore, reason, ok := chooseSessionMode(in, in.LastReconciled.Job.EffectiveUpgradeMode())
		if !ok {
			return Action{Kind: ActionBlocked, Reason: "job FAILED, but " + reason}
		}
		return Action{Kind: ActionRestartUnhealthy, UpgradeMode: mode, RestoreFrom: restore, SessionTarget: in.LastReconciled, Reason: "job FAILED; " + reason}
	case jobstate.Finished, jobstate.Canceled:
		return Action{Kind: ActionNothing, Reason: "job " + o.Job.State}
	}
	if o.PendingSavepoint != nil {
		return Action{Kind: ActionWait, Reason: fmt.Sprintf("%s savepoint %s in progress", o.PendingSavepoint.Type, o.PendingSavepoint.TriggerID)}
	}
	if !o.running() {
		return Action{Kind: ActionWait, Reason: "job is " + o.Job.State + "; waiting"}
	}
	if job.SavepointTriggerNonce != nil && !reflect.DeepEqual(job.SavepointTriggerNonce, in.LastReconciled.Job.SavepointTriggerNonce) {
		return Action{Kind: ActionTriggerSavepoint, TriggerType: v1beta1.SnapshotTriggerManual, Reason: "savepointTriggerNonce changed"}
	}
	return runningJobSnapshots(opts, job, in.LastReconciled.Job, o.LastPeriodicSavepoint, o.Checkpoints, o.ReconciledAt, in.Now)
}
