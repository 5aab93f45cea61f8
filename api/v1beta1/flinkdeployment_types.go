package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FlinkDeploymentSpec describes a Flink cluster, with a job (application mode) or without
// one (session mode).
type FlinkDeploymentSpec struct {
	// +optional
	Job *JobSpec `json:"job,omitempty"`
	// RestartNonce restarts the cluster (and job) when changed.
	// +optional
	RestartNonce *int64 `json:"restartNonce,omitempty"`
	// FlinkConfiguration, flat or nested.
	// +optional
	FlinkConfiguration ConfigObject `json:"flinkConfiguration,omitempty"`
	// +optional
	Image string `json:"image,omitempty"`
	// +optional
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// +optional
	FlinkVersion FlinkVersion `json:"flinkVersion,omitempty"`
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`
	// PodTemplate is the base for both JobManager and TaskManager pods.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`
	// +optional
	JobManager *JobManagerSpec `json:"jobManager,omitempty"`
	// +optional
	TaskManager *TaskManagerSpec `json:"taskManager,omitempty"`
	// LogConfiguration maps file names (log4j-console.properties, …) to their contents.
	// +optional
	LogConfiguration map[string]string `json:"logConfiguration,omitempty"`
	// Mode is native (default) or standalone.
	// +optional
	Mode DeploymentMode `json:"mode,omitempty"`
}

// JobManagerSpec sizes the JobManager.
type JobManagerSpec struct {
	// Resource is FKO's short form; Resources (requests/limits, amounts kept as written)
	// wins when both are set.
	// +optional
	Resource *Resource `json:"resource,omitempty"`
	// +optional
	Resources *ResourceRequirements `json:"resources,omitempty"`
	// Replicas above 1 need HA.
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	Replicas int32 `json:"replicas,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`
}

// TaskManagerSpec sizes the TaskManagers.
type TaskManagerSpec struct {
	// +optional
	Resource *Resource `json:"resource,omitempty"`
	// +optional
	Resources *ResourceRequirements `json:"resources,omitempty"`
	// Replicas of TaskManagers; by default ceil(parallelism / slots).
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	Replicas *int32 `json:"replicas,omitempty"`
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`
}

// TaskManagerInfo backs the scale subresource.
type TaskManagerInfo struct {
	// +optional
	LabelSelector string `json:"labelSelector,omitempty"`
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	Replicas int32 `json:"replicas,omitempty"`
}

// FlinkDeploymentStatus is the observed state of a FlinkDeployment.
type FlinkDeploymentStatus struct {
	CommonStatus `json:",inline"`
	// +optional
	ClusterInfo map[string]string `json:"clusterInfo,omitempty"`
	// +optional
	JobManagerDeploymentStatus JobManagerDeploymentStatus `json:"jobManagerDeploymentStatus,omitempty"`
	// +optional
	TaskManager *TaskManagerInfo `json:"taskManager,omitempty"`
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// FlinkDeployment is a Flink cluster, with its job in application mode.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.taskManager.replicas,statuspath=.status.taskManager.replicas,selectorpath=.status.taskManager.labelSelector
// +kubebuilder:resource:shortName=flinkdep
// +kubebuilder:printcolumn:name="Job Status",type=string,JSONPath=`.status.jobStatus.state`
// +kubebuilder:printcolumn:name="Lifecycle State",type=string,JSONPath=`.status.lifecycleState`
type FlinkDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FlinkDeploymentSpec `json:"spec,omitempty"`
	// +optional
	Status FlinkDeploymentStatus `json:"status,omitempty"`
}

// FlinkDeploymentList is a list of FlinkDeployments.
//
// +kubebuilder:object:root=true
type FlinkDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkDeployment `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FlinkDeployment{}, &FlinkDeploymentList{})
}
