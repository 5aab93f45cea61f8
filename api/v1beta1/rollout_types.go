package v1beta1

// WeirStatus is weir's own part of a FlinkDeployment's or FlinkSessionJob's status.
type WeirStatus struct {
	// Rollouts are the timings of the last rollouts that stopped a running job (upgrades,
	// restart nonces) or rolled back, oldest first, at most a few.
	// +optional
	Rollouts []RolloutTiming `json:"rollouts,omitempty"`
}

// RolloutKind says why a rollout restarted the job.
type RolloutKind string

// Rollout kinds.
const (
	RolloutUpgrade  RolloutKind = "Upgrade"
	RolloutRollback RolloutKind = "Rollback"
)

// RolloutTiming is when each step of one rollout was seen done, in epoch milliseconds
// (0 or absent: not seen yet, or not observable). The operator sees the steps when it
// looks, so each time is at most one look late.
type RolloutTiming struct {
	Kind RolloutKind `json:"kind"`
	// UpgradeMode is the mode the rollout really used.
	// +optional
	UpgradeMode UpgradeMode `json:"upgradeMode,omitempty"`
	// Started is when the rollout was recorded, just before the old job was stopped
	// (its reconciliationTimestamp).
	Started int64 `json:"started"`
	// SavepointCompleted is when the upgrade's savepoint completed (savepoint mode).
	// +optional
	SavepointCompleted int64 `json:"savepointCompleted,omitempty"`
	// Deployed is when the old job was gone and the new one was applied: the stop's end.
	// +optional
	Deployed int64 `json:"deployed,omitempty"`
	// JobManagerReady is when the new JobManager answered (FlinkDeployments).
	// +optional
	JobManagerReady int64 `json:"jobManagerReady,omitempty"`
	// JobRunning is when the new job was seen RUNNING.
	// +optional
	JobRunning int64 `json:"jobRunning,omitempty"`
	// Restored is when Flink restored the new job's state (Flink's restore_timestamp).
	// +optional
	Restored int64 `json:"restored,omitempty"`
	// FirstCheckpoint is when the new job's first checkpoint completed.
	// +optional
	FirstCheckpoint int64 `json:"firstCheckpoint,omitempty"`
}
