package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// JobSpec describes the Flink job of an application cluster or a session job.
type JobSpec struct {
	// JarURI is the job jar: local:// inside the image, or http(s):// for session jobs.
	// +optional
	JarURI string `json:"jarURI,omitempty"`
	// Parallelism of the job; 0 means the cluster default.
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	Parallelism int32 `json:"parallelism,omitempty"`
	// EntryClass is the fully qualified main class.
	// +optional
	EntryClass string `json:"entryClass,omitempty"`
	// Args are passed to the main class.
	// +optional
	Args []string `json:"args,omitempty"`
	// State is the desired state: running or suspended.
	// +optional
	State JobState `json:"state,omitempty"`
	// SavepointTriggerNonce triggers a savepoint when changed.
	// +optional
	SavepointTriggerNonce *int64 `json:"savepointTriggerNonce,omitempty"`
	// InitialSavepointPath restores the first deployment from this savepoint.
	// +optional
	InitialSavepointPath string `json:"initialSavepointPath,omitempty"`
	// CheckpointTriggerNonce triggers a checkpoint when changed.
	// +optional
	CheckpointTriggerNonce *int64 `json:"checkpointTriggerNonce,omitempty"`
	// UpgradeMode says how state is carried across upgrades; default stateless.
	// +optional
	UpgradeMode UpgradeMode `json:"upgradeMode,omitempty"`
	// AllowNonRestoredState lets a restore skip state that no operator claims.
	// +optional
	AllowNonRestoredState *bool `json:"allowNonRestoredState,omitempty"`
	// SavepointRedeployNonce redeploys from initialSavepointPath when changed.
	// +optional
	SavepointRedeployNonce *int64 `json:"savepointRedeployNonce,omitempty"`
	// AutoscalerResetNonce is accepted for compatibility; weir has no autoscaler yet.
	// +optional
	AutoscalerResetNonce *int64 `json:"autoscalerResetNonce,omitempty"`
}

// Resource is FKO's short resource form: cpu cores, memory and ephemeral storage.
type Resource struct {
	// +optional
	CPU *float64 `json:"cpu,omitempty"`
	// Memory such as "2048m" or "2g" (Flink's memory syntax) or "2Gi".
	// +optional
	Memory string `json:"memory,omitempty"`
	// +optional
	EphemeralStorage string `json:"ephemeralStorage,omitempty"`
}

// PodTemplate is a pod template as FKO takes it: a Pod with apiVersion, kind, metadata and
// spec. Fields of this type are schemaless in the CRD (three full Pod schemas would make the
// CRD too large to apply) and are checked by the operator when decoded.
type PodTemplate struct {
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// +optional
	Kind string `json:"kind,omitempty"`
	// +optional
	ObjectMeta metav1.ObjectMeta `json:"metadata,omitempty"`
	// +optional
	Spec corev1.PodSpec `json:"spec,omitempty"`

	// raw is the JSON as written when it did not decode cleanly, and problems says why
	// (see podtemplate_decode.go); both are empty for a template that decoded cleanly.
	raw      string
	problems []string
}

// IngressSpec asks for an Ingress in front of the Flink UI.
type IngressSpec struct {
	// Template is the host/path, with {{name}} and {{namespace}} substituted, e.g.
	// "flink.example.com/{{namespace}}/{{name}}(/|$)(.*)" or "{{name}}.{{namespace}}.flink.k8s.io".
	// +optional
	Template string `json:"template,omitempty"`
	// +optional
	ClassName string `json:"className,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	TLS []networkingv1.IngressTLS `json:"tls,omitempty"`
}

// JobStatus is what the operator last observed of the job.
type JobStatus struct {
	// +optional
	JobName string `json:"jobName,omitempty"`
	// +optional
	JobID string `json:"jobId,omitempty"`
	// State is Flink's job state (RUNNING, FAILED, …), or RECONCILING while unknown.
	// +optional
	State string `json:"state,omitempty"`
	// StartTime in epoch milliseconds, as a string (FKO's format).
	// +optional
	StartTime string `json:"startTime,omitempty"`
	// UpdateTime in epoch milliseconds, as a string.
	// +optional
	UpdateTime string `json:"updateTime,omitempty"`
	// UpgradeSavepointPath is the savepoint the last upgrade restored from.
	// +optional
	UpgradeSavepointPath string `json:"upgradeSavepointPath,omitempty"`
	// SavepointInfo is FKO's legacy savepoint record, still filled by weir.
	// +optional
	SavepointInfo *SavepointInfo `json:"savepointInfo,omitempty"`
	// CheckpointInfo is FKO's legacy checkpoint record.
	// +optional
	CheckpointInfo *CheckpointInfo `json:"checkpointInfo,omitempty"`
}

// Savepoint is one completed savepoint.
type Savepoint struct {
	TimeStamp int64  `json:"timeStamp"`
	Location  string `json:"location"`
	// +optional
	TriggerType SnapshotTriggerType `json:"triggerType,omitempty"`
	// +optional
	FormatType SavepointFormatType `json:"formatType,omitempty"`
	// +optional
	TriggerNonce *int64 `json:"triggerNonce,omitempty"`
}

// SavepointInfo tracks a pending savepoint trigger and the savepoint history.
type SavepointInfo struct {
	// +optional
	LastSavepoint *Savepoint `json:"lastSavepoint,omitempty"`
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// +optional
	TriggerTimestamp *int64 `json:"triggerTimestamp,omitempty"`
	// +optional
	TriggerType SnapshotTriggerType `json:"triggerType,omitempty"`
	// +optional
	FormatType SavepointFormatType `json:"formatType,omitempty"`
	// +optional
	SavepointHistory []Savepoint `json:"savepointHistory,omitempty"`
	// +optional
	LastPeriodicSavepointTimestamp int64 `json:"lastPeriodicSavepointTimestamp,omitempty"`
}

// Checkpoint is one completed, manually or periodically triggered checkpoint.
type Checkpoint struct {
	TimeStamp int64 `json:"timeStamp"`
	// +optional
	TriggerType SnapshotTriggerType `json:"triggerType,omitempty"`
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	TriggerNonce *int64 `json:"triggerNonce,omitempty"`
}

// CheckpointInfo tracks a pending checkpoint trigger.
type CheckpointInfo struct {
	// +optional
	LastCheckpoint *Checkpoint `json:"lastCheckpoint,omitempty"`
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// +optional
	TriggerTimestamp *int64 `json:"triggerTimestamp,omitempty"`
	// +optional
	TriggerType SnapshotTriggerType `json:"triggerType,omitempty"`
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	LastPeriodicCheckpointTimestamp int64 `json:"lastPeriodicCheckpointTimestamp,omitempty"`
}

// ReconciliationStatus records the spec the operator last acted on (status as a
// write-ahead log: it is written before any object changes).
type ReconciliationStatus struct {
	// ReconciliationTimestamp in epoch milliseconds.
	// +optional
	ReconciliationTimestamp int64 `json:"reconciliationTimestamp,omitempty"`
	// LastReconciledSpec is the JSON of the last spec acted on, with its generation.
	// +optional
	LastReconciledSpec string `json:"lastReconciledSpec,omitempty"`
	// LastStableSpec is the JSON of the last spec that ran stably.
	// +optional
	LastStableSpec string `json:"lastStableSpec,omitempty"`
	// +optional
	State ReconciliationState `json:"state,omitempty"`
}

// CommonStatus is shared by FlinkDeployment and FlinkSessionJob.
type CommonStatus struct {
	// +optional
	JobStatus JobStatus `json:"jobStatus,omitempty"`
	// Error is the last error, as a JSON object {type, message, throwableList} like FKO or text.
	// +optional
	Error string `json:"error,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +optional
	LifecycleState ResourceLifecycleState `json:"lifecycleState,omitempty"`
	// +optional
	ReconciliationStatus ReconciliationStatus `json:"reconciliationStatus,omitempty"`
	// Weir holds weir's own additions to the status (FKO has no field of this name).
	// +optional
	Weir *WeirStatus `json:"weir,omitempty"`
}
