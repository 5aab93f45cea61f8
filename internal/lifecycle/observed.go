package lifecycle

import (
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// Observed is what the controller saw this reconcile, as plain values. The planner never
// does I/O; everything it needs is here.
type Observed struct {
	// JobManager is the state of the JobManager Deployment (MISSING when it is gone).
	JobManager v1beta1.JobManagerDeploymentStatus
	// DeployedSpecCurrent says the cluster objects in Kubernetes were built from the spec
	// being rolled out: lastStableSpec while ROLLING_BACK, else lastReconciledSpec (the
	// controller compares a spec hash annotation).
	DeployedSpecCurrent bool
	// Job is what Flink REST reports; nil when no job is known (no cluster, REST down).
	Job *JobFacts
	// HAMetadata says Kubernetes HA ConfigMaps with job data exist for the cluster id.
	HAMetadata bool
	// Reconciliation is status.reconciliationStatus.state.
	Reconciliation v1beta1.ReconciliationState
	// FirstDeployment: the rollout in progress is the resource's first; no job ran before
	// it, so there is no state to carry and none is missing.
	FirstDeployment bool
	// ReconciledAt is when the last reconciled spec was recorded (upgrade/deploy start).
	ReconciledAt time.Time
	// DeployedAt is when the running cluster's JobManager Deployment was created: a rollout
	// creates it after the old cluster is gone, so the readiness timeout counts from here,
	// not from the start of a stop-with-savepoint that may take an hour on large state.
	DeployedAt time.Time
	// UpgradeSavepointPath is jobStatus.upgradeSavepointPath: the savepoint the stop step of
	// an upgrade produced (or the initialSavepointPath of a savepoint redeploy).
	UpgradeSavepointPath string
	// LastSavepoint is the newest completed savepoint known for the job.
	LastSavepoint *Snapshot
	// PendingSavepoint is a savepoint trigger in flight (status.jobStatus.savepointInfo).
	PendingSavepoint *PendingTrigger
	// LastCheckpoint is the job's latest completed checkpoint; the controller reads it only
	// when a last-state upgrade has a maximum checkpoint age.
	LastCheckpoint *Snapshot
	// LastPeriodicSavepoint is when the last periodic savepoint was triggered.
	LastPeriodicSavepoint time.Time
	// Checkpoints are the operator's own checkpoint triggers (checkpointInfo).
	Checkpoints CheckpointFacts
	// Health is the controller's evaluation of the job's recent history (EvaluateHealth).
	Health Health
}

// CheckpointFacts are the checkpoints the operator triggered (status.jobStatus.checkpointInfo),
// as the planner needs them: one in flight, and when the last periodic one completed.
type CheckpointFacts struct {
	Pending      *PendingTrigger
	LastPeriodic time.Time
}

// JobFacts is the observed Flink job.
type JobFacts struct {
	ID string
	// State is Flink's job status: RUNNING, FAILED, FINISHED, RESTARTING, ...
	State string
}

// Snapshot is a completed savepoint or checkpoint.
type Snapshot struct {
	Path string
	Time time.Time
}

// PendingTrigger is an asynchronous Flink operation the controller is waiting for.
type PendingTrigger struct {
	TriggerID string
	Type      v1beta1.SnapshotTriggerType
	Since     time.Time
}

// Input is everything Plan decides from.
type Input struct {
	Desired *v1beta1.FlinkDeploymentSpec
	// LastReconciled is nil before the first deploy. Its job.upgradeMode is the mode that
	// was actually used (the controller records the planner's choice there, as FKO does).
	LastReconciled *v1beta1.FlinkDeploymentSpec
	LastStable     *v1beta1.FlinkDeploymentSpec
	Observed       Observed
	Options        Options
	Now            time.Time
}

func (o *Observed) jobState() string {
	if o.Job == nil {
		return ""
	}
	return o.Job.State
}

// jobRunning: a savepoint can be taken only from a running job on a ready JobManager.
func (o *Observed) jobRunning() bool {
	return o.Job != nil && o.Job.State == jobstate.Running && o.JobManager == v1beta1.JMReady
}

func (o *Observed) jmGone() bool {
	return o.JobManager == v1beta1.JMMissing || o.JobManager == ""
}
