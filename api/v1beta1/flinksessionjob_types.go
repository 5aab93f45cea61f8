package v1beta1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FlinkSessionJobSpec is a job submitted to a session FlinkDeployment.
type FlinkSessionJobSpec struct {
	// DeploymentName is the session FlinkDeployment in the same namespace.
	DeploymentName string `json:"deploymentName"`
	// +optional
	Job *JobSpec `json:"job,omitempty"`
	// +optional
	RestartNonce *int64 `json:"restartNonce,omitempty"`
	// +optional
	FlinkConfiguration ConfigObject `json:"flinkConfiguration,omitempty"`
}

// FlinkSessionJobStatus is the observed state of a FlinkSessionJob.
type FlinkSessionJobStatus struct {
	CommonStatus `json:",inline"`
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// FlinkSessionJob is a job that runs on a session cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sessionjob
// +kubebuilder:printcolumn:name="Job Status",type=string,JSONPath=`.status.jobStatus.state`
// +kubebuilder:printcolumn:name="Lifecycle State",type=string,JSONPath=`.status.lifecycleState`
type FlinkSessionJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FlinkSessionJobSpec `json:"spec,omitempty"`
	// +optional
	Status FlinkSessionJobStatus `json:"status,omitempty"`
}

// FlinkSessionJobList is a list of FlinkSessionJobs.
//
// +kubebuilder:object:root=true
type FlinkSessionJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkSessionJob `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FlinkSessionJob{}, &FlinkSessionJobList{})
}
