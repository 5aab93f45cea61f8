package v1beta1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// JobReference names the FlinkDeployment or FlinkSessionJob a snapshot is taken of.
type JobReference struct {
	// +optional
	Kind JobKind `json:"kind,omitempty"`
	// +optional
	Name string `json:"name,omitempty"`
}

// SavepointSpec asks for a savepoint (or records one that already exists).
type SavepointSpec struct {
	// Path is the target directory, or the savepoint itself when alreadyExists.
	// +optional
	Path string `json:"path,omitempty"`
	// +optional
	FormatType SavepointFormatType `json:"formatType,omitempty"`
	// DisposeOnDelete disposes the savepoint when this resource is deleted; default true.
	// +optional
	DisposeOnDelete *bool `json:"disposeOnDelete,omitempty"`
	// AlreadyExists records an existing savepoint at path without triggering one.
	// +optional
	AlreadyExists bool `json:"alreadyExists,omitempty"`
}

// CheckpointSpec asks for a checkpoint. It has no fields.
type CheckpointSpec struct{}

// FlinkStateSnapshotSpec is a savepoint or checkpoint of a job.
type FlinkStateSnapshotSpec struct {
	// +optional
	JobReference *JobReference `json:"jobReference,omitempty"`
	// +optional
	Savepoint *SavepointSpec `json:"savepoint,omitempty"`
	// +optional
	Checkpoint *CheckpointSpec `json:"checkpoint,omitempty"`
	// BackoffLimit is how many failed triggers are retried; -1 (default) retries forever.
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
}

// FlinkStateSnapshotStatus is the state of a snapshot.
type FlinkStateSnapshotStatus struct {
	// +optional
	State SnapshotState `json:"state,omitempty"`
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// +optional
	TriggerTimestamp string `json:"triggerTimestamp,omitempty"`
	// +optional
	ResultTimestamp string `json:"resultTimestamp,omitempty"`
	// +optional
	Path string `json:"path,omitempty"`
	// +optional
	Error string `json:"error,omitempty"`
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	Failures int32 `json:"failures,omitempty"`
}

// FlinkStateSnapshot is a savepoint or checkpoint of a Flink job.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=flinksnp
// +kubebuilder:printcolumn:name="Path",type=string,JSONPath=`.status.path`
// +kubebuilder:printcolumn:name="Result Timestamp",type=string,JSONPath=`.status.resultTimestamp`
// +kubebuilder:printcolumn:name="Snapshot State",type=string,JSONPath=`.status.state`
type FlinkStateSnapshot struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FlinkStateSnapshotSpec `json:"spec,omitempty"`
	// +optional
	Status FlinkStateSnapshotStatus `json:"status,omitempty"`
}

// FlinkStateSnapshotList is a list of FlinkStateSnapshots.
//
// +kubebuilder:object:root=true
type FlinkStateSnapshotList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkStateSnapshot `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FlinkStateSnapshot{}, &FlinkStateSnapshotList{})
}
