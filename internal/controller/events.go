package controller

// Event reasons, the same strings FKO uses, so dashboards and alerts keep working.
const (
	ReasonSubmit              = "Submit"
	ReasonSpecChanged         = "SpecChanged"
	ReasonSuspended           = "Suspended"
	ReasonRollback            = "Rollback"
	ReasonJobStatusChanged    = "JobStatusChanged"
	ReasonSavepointError      = "SavepointError"
	ReasonCheckpointError     = "CheckpointError"
	ReasonCheckpointCompleted = "CheckpointCompleted" // weir's: FKO announces no completed checkpoint
	ReasonCleanup             = "Cleanup"
	ReasonCleanupFailed       = "CleanupFailed"
	ReasonMissing             = "Missing"
	ReasonValidationError     = "ValidationError"
	ReasonRecoverDeployment   = "RecoverDeployment"
	ReasonRestartUnhealthyJob = "RestartUnhealthyJob"
	ReasonScaling             = "Scaling"
	ReasonSnapshotError       = "SnapshotError"
	ReasonSnapshotAbandoned   = "SnapshotAbandoned"
	ReasonJobException        = "JobException"
	ReasonError               = "Error"
)

// finalizerName is FKO's finalizer, so a resource moved between the operators keeps it.
const finalizerName = "flinkdeployments.flink.apache.org/finalizer"

// sessionJobFinalizer is FKO's finalizer for session jobs.
const sessionJobFinalizer = "flinksessionjobs.flink.apache.org/finalizer"

// fieldOwner is weir's server-side apply field manager.
const fieldOwner = "weir-operator"
