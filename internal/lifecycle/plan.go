package lifecycle

import (
	"fmt"
	"reflect"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// Plan returns the next step for a FlinkDeployment. It is pure: same input, same action.
func Plan(in Input) Action {
	a := plan(in)
	if (a.Kind == ActionDeploy || a.Kind == ActionResume) && a.Target != nil && a.Target.Job != nil {
		a.HAData = HAWipe
		if a.UpgradeMode == v1beta1.UpgradeModeLastState {
			// HA metadata carries the state; the job graph in it is the old spec's.
			a.HAData = HADropJobGraph
		}
	}
	if a.Kind == ActionNothing && in.LastReconciled != nil {
		a.Record = in.Desired.DeepCopy()
		keepRecordedNonces(a.Record.Job, in.LastReconciled.Job)
	}
	return a
}

func plan(in Input) Action {
	if in.Desired == nil {
		return Action{Kind: ActionBlocked, Reason: "no desired spec"}
	}
	o := &in.Observed
	if in.LastReconciled == nil {
		return planFirstDeploy(in)
	}
	switch o.Reconciliation {
	case v1beta1.ReconciliationUpgrading:
		return continueRollout(in, in.LastReconciled, "upgrade")
	case v1beta1.ReconciliationRollingBack:
		if in.LastStable == nil {
			return Action{Kind: ActionBlocked, Reason: "rolling back, but there is no lastStableSpec to roll back to"}
		}
		return continueRollout(in, in.LastStable, "rollback")
	}

	diff, err := DiffDeployment(in.LastReconciled, in.Desired)
	if err != nil {
		return Action{Kind: ActionBlocked, Reason: err.Error()}
	}
	if in.Desired.Job == nil {
		return planSession(in, diff)
	}
	wantState := in.Desired.Job.EffectiveState()
	hadState := in.LastReconciled.Job.EffectiveState()
	switch {
	case hadState == v1beta1.JobStateRunning && wantState == v1beta1.JobStateSuspended:
		return planStop(in, ActionSuspend, diff, "job.state set to suspended")
	case hadState == v1beta1.JobStateSuspended && wantState == v1beta1.JobStateSuspended:
		// The suspended spec is recorded before the job is stopped; if the operator died in
		// between, the job still runs and must be stopped, with the mode recorded.
		if o.PendingSavepoint != nil {
			return Action{Kind: ActionWait, Reason: fmt.Sprintf("suspending: waiting for savepoint %s", o.PendingSavepoint.TriggerID)}
		}
		if o.jobRunning() {
			mode := in.LastReconciled.Job.EffectiveUpgradeMode()
			if mode == v1beta1.UpgradeModeSavepoint && o.UpgradeSavepointPath != "" {
				// Recording the suspend cleared the path: this is its savepoint, and the job
				// is on its way to FINISHED. Stopping again would forget the savepoint.
				return Action{Kind: ActionWait, Reason: "suspending: savepoint " + o.UpgradeSavepointPath + " taken; the job is finishing"}
			}
			return Action{Kind: ActionSuspend, UpgradeMode: mode, Diff: diff,
				Reason: "suspend in progress: the job still runs; stopping it"}
		}
		if diff.IsEmpty() {
			return Action{Kind: ActionNothing, Reason: "job is suspended"}
		}
		return Action{Kind: ActionNothing, Diff: diff, Reason: "job is suspended; changes apply on resume"}
	case hadState == v1beta1.JobStateSuspended:
		return planResume(in, diff)
	}

	if diff.Type == DiffSavepointRedeploy {
		return planSavepointRedeploy(in, diff)
	}
	if diff.Type == DiffUpgrade {
		return planStop(in, ActionUpgrade, diff, "spec changed")
	}
	if diff.Type == DiffScale {
		return Action{Kind: ActionScale, Diff: diff, Reason: diff.String()}
	}
	return planSteady(in)
}

// planFirstDeploy: nothing was ever reconciled.
func planFirstDeploy(in Input) Action {
	job := in.Desired.Job
	if job != nil && job.EffectiveState() == v1beta1.JobStateSuspended {
		// As FKO: record the spec as reconciled, deploy nothing.
		return Action{Kind: ActionNothing, Reason: "created with job.state suspended; nothing to deploy"}
	}
	a := Action{Kind: ActionDeploy, Target: in.Desired, Reason: "first deployment"}
	if job != nil {
		a.UpgradeMode = job.EffectiveUpgradeMode()
		a.RestoreFrom = job.InitialSavepointPath
		if a.RestoreFrom != "" {
			a.Reason = "first deployment, restoring from initialSavepointPath " + a.RestoreFrom
		}
	}
	return a
}

// planSession: a session cluster has no job state to carry.
func planSession(in Input, diff SpecDiff) Action {
	if diff.Type >= DiffUpgrade {
		return Action{Kind: ActionUpgrade, UpgradeMode: v1beta1.UpgradeModeStateless, Diff: diff, Reason: "session cluster " + diff.String()}
	}
	if in.Observed.jmGone() {
		return Action{Kind: ActionDeploy, Target: in.LastReconciled, UpgradeMode: v1beta1.UpgradeModeStateless, Reason: "session JobManager deployment is missing; redeploying"}
	}
	if diff.Type == DiffScale {
		return Action{Kind: ActionScale, Diff: diff, Reason: diff.String()}
	}
	return Action{Kind: ActionNothing, Reason: "session cluster is up to date"}
}

// planStop is the first half of an upgrade or a suspend: how to stop the running job.
func planStop(in Input, kind ActionKind, diff SpecDiff, why string) Action {
	o := &in.Observed
	if o.PendingSavepoint != nil && !in.Options.IgnorePendingSavepoint {
		return Action{Kind: ActionWait, Diff: diff, Reason: fmt.Sprintf("%s; waiting for savepoint %s to finish first", why, o.PendingSavepoint.TriggerID)}
	}
	mode, reason, ok := chooseUpgradeMode(in, in.Desired)
	if !ok {
		return Action{Kind: ActionBlocked, Diff: diff, Reason: why + ", but " + reason}
	}
	text := why
	if !diff.IsEmpty() && kind == ActionUpgrade {
		text = diff.String()
	}
	if reason != "" {
		text += "; " + reason
	}
	return Action{Kind: kind, UpgradeMode: mode, Diff: diff, Reason: text}
}

// planResume deploys a suspended job, restoring per its mode.
func planResume(in Input, diff SpecDiff) Action {
	o := &in.Observed
	a := Action{Kind: ActionResume, Target: in.Desired, Diff: diff}
	// The mode the job was stopped with decides where its state is.
	stoppedWith := in.LastReconciled.Job.EffectiveUpgradeMode()
	switch stoppedWith {
	case v1beta1.UpgradeModeSavepoint:
		path := o.UpgradeSavepointPath
		if path == "" {
			return Action{Kind: ActionBlocked, Diff: diff, Reason: "resume needs the savepoint taken at suspend, but none is recorded (jobStatus.upgradeSavepointPath); set job.initialSavepointPath and savepointRedeployNonce to choose one"}
		}
		a.UpgradeMode, a.RestoreFrom = v1beta1.UpgradeModeSavepoint, path
		a.Reason = "resuming from savepoint " + path
	case v1beta1.UpgradeModeLastState:
		if !o.HAMetadata {
			return Action{Kind: ActionBlocked, Diff: diff, Reason: "resume in last-state mode needs the HA metadata kept at suspend, and it is gone; refusing to start from empty state. Manual restore required."}
		}
		if versionChanged(in.LastReconciled, in.Desired) {
			return Action{Kind: ActionBlocked, Diff: diff, Reason: "the Flink version changed while suspended in last-state mode; HA metadata cannot be restored across versions. Resume on the old version and upgrade with a savepoint."}
		}
		a.UpgradeMode = v1beta1.UpgradeModeLastState
		a.Reason = "resuming from HA metadata (last-state)"
	default:
		a.UpgradeMode = v1beta1.UpgradeModeStateless
		a.Reason = "resuming stateless job with empty state"
	}
	return a
}

// planSavepointRedeploy: savepointRedeployNonce changed: replace the job with one started
// from initialSavepointPath; the running job's state is deliberately dropped.
func planSavepointRedeploy(in Input, diff SpecDiff) Action {
	path := in.Desired.Job.InitialSavepointPath
	if path == "" {
		return Action{Kind: ActionBlocked, Diff: diff, Reason: "savepointRedeployNonce changed but job.initialSavepointPath is empty"}
	}
	return Action{Kind: ActionUpgrade, UpgradeMode: v1beta1.UpgradeModeStateless, RestoreFrom: path, Diff: diff,
		Reason: "savepoint redeploy from " + path}
}

// continueRollout finishes an upgrade (or rollback) whose intent is recorded in status:
// the old job may still be stopping, or the new cluster may need (re)applying.
func continueRollout(in Input, target *v1beta1.FlinkDeploymentSpec, what string) Action {
	o := &in.Observed
	stopKind := ActionUpgrade
	if what == "rollback" {
		stopKind = ActionRollback
	}
	if target.Job == nil {
		return Action{Kind: ActionDeploy, Target: target, UpgradeMode: v1beta1.UpgradeModeStateless, Reason: "finishing " + what + " of session cluster"}
	}
	mode := target.Job.EffectiveUpgradeMode() // the mode actually chosen, as recorded
	if o.PendingSavepoint != nil && o.PendingSavepoint.Type == v1beta1.SnapshotTriggerUpgrade {
		return Action{Kind: ActionWait, Reason: fmt.Sprintf("%s: waiting for stop-with-savepoint %s", what, o.PendingSavepoint.TriggerID)}
	}
	if !o.DeployedSpecCurrent && o.jobRunning() {
		// The stop step has not happened yet (or the operator died before it): do it again;
		// the controller reuses its recorded trigger id, so this is idempotent.
		return Action{Kind: stopKind, Target: target, UpgradeMode: mode, RestoreFrom: o.UpgradeSavepointPath, Reason: what + " in progress: stopping the old job"}
	}
	a := Action{Kind: ActionDeploy, Target: target, UpgradeMode: mode}
	restore := o.UpgradeSavepointPath
	if restore == "" && mode == v1beta1.UpgradeModeSavepoint && o.LastSavepoint != nil && !o.LastSavepoint.Time.Before(o.ReconciledAt) {
		restore = o.LastSavepoint.Path // taken by this rollout, but its path was not recorded
	}
	haUsable := o.HAMetadata && haEnabled(in.LastReconciled) && !versionChanged(in.LastReconciled, target)
	switch {
	case restore != "":
		a.RestoreFrom = restore
		a.Reason = fmt.Sprintf("%s: deploying from savepoint %s", what, restore)
	case o.FirstDeployment && what == "upgrade": // a retried first deployment: no state yet
		a.Reason = "first deployment: deploying (nothing to restore)"
	case mode == v1beta1.UpgradeModeSavepoint && in.Options.LastStateFallback && haUsable:
		a.UpgradeMode = v1beta1.UpgradeModeLastState
		a.Reason = what + ": no savepoint was taken (the job stopped first); recovering from HA metadata (last-state)"
	case mode == v1beta1.UpgradeModeSavepoint:
		return Action{Kind: ActionBlocked, Reason: what + " in savepoint mode has no savepoint recorded and no usable HA metadata; refusing to start from empty state. Set job.initialSavepointPath and savepointRedeployNonce."}
	case mode == v1beta1.UpgradeModeLastState:
		if !o.HAMetadata {
			return Action{Kind: ActionBlocked, Reason: what + " in last-state mode, but HA metadata is not available; refusing to start from empty state. Manual restore required."}
		}
		a.Reason = what + ": deploying, recovering from HA metadata (last-state)"
	default:
		a.Reason = what + ": deploying stateless job with empty state"
	}
	if o.DeployedSpecCurrent {
		a.Reason += " (objects already applied; re-applying is harmless)"
	}
	return a
}

// planSteady handles a deployment whose spec has not changed: recovery, rollback, health,
// failed jobs and snapshots.
func planSteady(in Input) Action {
	o := &in.Observed
	opts := in.Options
	job := in.Desired.Job
	state := o.jobState()

	if o.jmGone() {
		if state == jobstate.Finished {
			return Action{Kind: ActionNothing, Reason: "job finished"}
		}
		switch {
		case !opts.JMDeploymentRecovery:
			return Action{Kind: ActionBlocked, Reason: "JobManager deployment is missing and " + OptJMDeploymentRecovery + " is false; not re-creating it"}
		case haEnabled(in.LastReconciled) && o.HAMetadata:
			return Action{Kind: ActionDeploy, Target: in.LastReconciled, UpgradeMode: v1beta1.UpgradeModeLastState, Recovery: true,
				Reason: "JobManager deployment is missing; recovering from HA metadata"}
		case job.EffectiveUpgradeMode() == v1beta1.UpgradeModeStateless:
			return Action{Kind: ActionDeploy, Target: in.LastReconciled, UpgradeMode: v1beta1.UpgradeModeStateless, Recovery: true,
				Reason: "JobManager deployment is missing; redeploying stateless job"}
		default:
			return Action{Kind: ActionBlocked, Reason: "JobManager deployment is missing and HA metadata is not available; refusing to start a stateful job from empty state. Manual restore required."}
		}
	}

	if opts.RollbackEnabled && o.Reconciliation == v1beta1.ReconciliationDeployed &&
		in.LastStable != nil && !sameSpec(in.LastStable, in.LastReconciled) && !o.jobRunning() {
		since := o.ReconciledAt
		if o.DeployedAt.After(since) {
			since = o.DeployedAt // as FKO: the timeout starts at the deploy, not the stop
		}
		if waited := in.Now.Sub(since); waited >= opts.ReadinessTimeout {
			return planRollback(in)
		}
	}

	if state == jobstate.Failed {
		if !opts.RestartFailed {
			return Action{Kind: ActionNothing, Reason: "job FAILED; set " + OptRestartFailed + ": true to restart failed jobs"}
		}
		return planRestart(in, "job FAILED")
	}
	if o.Health.Unhealthy && opts.HealthCheckEnabled {
		return planRestart(in, "job unhealthy: "+o.Health.Reason)
	}

	if o.PendingSavepoint != nil {
		return Action{Kind: ActionWait, Reason: fmt.Sprintf("%s savepoint %s in progress", o.PendingSavepoint.Type, o.PendingSavepoint.TriggerID)}
	}
	if o.jobRunning() {
		if !reflect.DeepEqual(job.SavepointTriggerNonce, in.LastReconciled.Job.SavepointTriggerNonce) && job.SavepointTriggerNonce != nil {
			return Action{Kind: ActionTriggerSavepoint, TriggerType: v1beta1.SnapshotTriggerManual, Reason: "savepointTriggerNonce changed"}
		}
		return runningJobSnapshots(opts, job, in.LastReconciled.Job, o.LastPeriodicSavepoint, o.Checkpoints, o.ReconciledAt, in.Now)
	}
	return Action{Kind: ActionWait, Reason: "job is " + orNone(state) + "; waiting"}
}

// planRestart stops and redeploys the same spec, carrying state as an upgrade would.
func planRestart(in Input, why string) Action {
	mode, reason, ok := chooseUpgradeMode(in, in.LastReconciled)
	if !ok {
		return Action{Kind: ActionBlocked, Reason: why + ", but " + reason}
	}
	text := why
	if reason != "" {
		text += "; " + reason
	}
	return Action{Kind: ActionRestartUnhealthy, UpgradeMode: mode, Target: in.LastReconciled, Reason: text}
}

// planRollback returns to lastStableSpec after the upgrade missed the readiness timeout.
func planRollback(in Input) Action {
	o := &in.Observed
	why := fmt.Sprintf("not running within %s of the upgraded cluster's deployment; rolling back to the last stable spec", in.Options.ReadinessTimeout)
	mode, reason, ok := chooseUpgradeMode(in, in.LastStable)
	if !ok {
		// The failed job cannot take a savepoint; the one taken before the upgrade still holds
		// the state the stable spec last had.
		if o.UpgradeSavepointPath == "" {
			return Action{Kind: ActionBlocked, Reason: why + ", but " + reason}
		}
		return Action{Kind: ActionRollback, Target: in.LastStable, UpgradeMode: v1beta1.UpgradeModeSavepoint, RestoreFrom: o.UpgradeSavepointPath,
			Reason: why + " from the pre-upgrade savepoint " + o.UpgradeSavepointPath}
	}
	if reason != "" {
		why += "; " + reason
	}
	return Action{Kind: ActionRollback, Target: in.LastStable, UpgradeMode: mode, Reason: why}
}

func sameSpec(a, b *v1beta1.FlinkDeploymentSpec) bool {
	d, err := DiffDeployment(a, b)
	return err == nil && d.IsEmpty()
}
