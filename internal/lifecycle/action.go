package lifecycle

import (
	"time"

	"weir.dev/weir/api/v1beta1"
)

// ActionKind is the one next step the controller takes.
type ActionKind string

// Actions. Each is a single idempotent step; the controller records status before acting
// and calls Plan again on the next reconcile.
const (
	// ActionNothing: the deployment is where the spec wants it.
	ActionNothing ActionKind = "nothing"
	// ActionWait: something is in flight (a savepoint, a starting job); look again later.
	ActionWait ActionKind = "wait"
	// ActionDeploy: apply the cluster for the target spec, restoring per UpgradeMode and
	// RestoreFrom. Safe to repeat: objects are applied and job ids are deterministic.
	ActionDeploy ActionKind = "deploy"
	// ActionUpgrade: first half of an upgrade: record the new spec as UPGRADING, then stop
	// the running job per UpgradeMode (savepoint: stop-with-savepoint; last-state: delete
	// the JobManager keeping HA data; stateless: cancel). Deploy follows.
	ActionUpgrade ActionKind = "upgrade"
	// ActionSuspend: stop the job per UpgradeMode and keep it stopped.
	ActionSuspend ActionKind = "suspend"
	// ActionResume: deploy a suspended job again, restoring per UpgradeMode/RestoreFrom.
	ActionResume ActionKind = "resume"
	// ActionRollback: stop the unstable deployment and redeploy lastStableSpec.
	ActionRollback ActionKind = "rollback"
	// ActionRestartUnhealthy: stop and redeploy the same spec (health check, failed job).
	ActionRestartUnhealthy ActionKind = "restart-unhealthy"
	// ActionTriggerSavepoint: trigger a savepoint of the running job (TriggerType says why).
	// For MANUAL the controller then records the nonce in lastReconciledSpec, as FKO does.
	ActionTriggerSavepoint ActionKind = "trigger-savepoint"
	// ActionTriggerCheckpoint: trigger a checkpoint of the running job through Flink REST
	// (TriggerType MANUAL: checkpointTriggerNonce changed, recorded as handled once
	// triggered; PERIODIC: kubernetes.operator.periodic.checkpoint.interval is due).
	ActionTriggerCheckpoint ActionKind = "trigger-checkpoint"
	// ActionScale: apply a parallelism/replica change without redeploying.
	ActionScale ActionKind = "scale"
	// ActionBlocked: no safe step exists (e.g. stateful job, no savepoint, no HA data);
	// Reason says what a person must do. Never resolved by starting from empty state.
	ActionBlocked ActionKind = "blocked"
)

// HADataStep is what happens to a cluster's Kubernetes HA ConfigMaps before a deploy's
// JobManager is first applied (never after: a retried step must not touch the new job's).
type HADataStep string

const (
	// HAKeep leaves them (every step but a job's deploy; a session cluster has no job).
	HAKeep HADataStep = ""
	// HADropJobGraph removes the job graph (jobGraph-* / executionPlan-* keys) and keeps the
	// checkpoint pointers, as FKO does on last-state deploys: the job is resubmitted from the
	// target spec under its fixed id and restored from the latest checkpoint, instead of
	// recovering the old graph (old parallelism, old code paths).
	HADropJobGraph HADataStep = "drop-job-graph"
	// HAWipe deletes them, as FKO does when a job starts from a savepoint or empty: its
	// JobManager must not find the old job's graph and checkpoint pointers and recover the
	// old job as well, or refuse to start. The old job's state is in the savepoint.
	HAWipe HADataStep = "wipe"
)

// Action is the planner's decision.
type Action struct {
	Kind ActionKind
	// UpgradeMode is how state moves for upgrade/suspend/resume/rollback/restart/deploy.
	// The controller records it as lastReconciledSpec.job.upgradeMode.
	UpgradeMode v1beta1.UpgradeMode
	// RestoreFrom is the savepoint a deploy or resume starts from ("" = none, or HA
	// metadata when UpgradeMode is last-state). On a session job's last-state stop it is
	// the newest state known before stopping, recorded as the fallback restore point.
	RestoreFrom string
	// HAData is what a deploy or resume does to the cluster's HA ConfigMaps before the
	// JobManager is first applied (see HADataStep).
	HAData HADataStep
	// Recovery marks a deploy that replaces a JobManager Deployment lost while the job ran
	// (FKO's Missing and RecoverDeployment Events).
	Recovery bool
	// Target is the spec to deploy (Deploy, Resume, Rollback); nil for other actions.
	Target *v1beta1.FlinkDeploymentSpec
	// SessionTarget is the session job spec to submit (PlanSessionJob's Deploy/Resume).
	SessionTarget *v1beta1.FlinkSessionJobSpec
	// Record and SessionRecord, on ActionNothing, are the spec to record as
	// lastReconciledSpec without a restart: the desired spec with the recorded trigger
	// nonces kept (a nonce counts as handled only once its trigger is, recordNonce) and, for
	// a session job, the recorded upgrade mode. The controller writes it only if it differs
	// from the record. nil when there is no record yet.
	Record        *v1beta1.FlinkDeploymentSpec
	SessionRecord *v1beta1.FlinkSessionJobSpec
	// TriggerType says why a savepoint or checkpoint is triggered (MANUAL, PERIODIC).
	TriggerType v1beta1.SnapshotTriggerType
	// Diff is the classified spec change behind an upgrade or scale.
	Diff SpecDiff
	// Reason explains the decision in words fit for an event or status message.
	Reason string
	// RequeueAfter suggests when to look again (Wait, and deadlines such as readiness).
	RequeueAfter time.Duration
}

// keepRecordedNonces gives rec the trigger nonces of the recorded job: a change recorded
// without a rollout must not mark a new nonce handled before its trigger is.
func keepRecordedNonces(rec, recorded *v1beta1.JobSpec) {
	if rec != nil && recorded != nil {
		rec.SavepointTriggerNonce = recorded.SavepointTriggerNonce
		rec.CheckpointTriggerNonce = recorded.CheckpointTriggerNonce
	}
}
