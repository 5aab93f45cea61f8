// Package weirv1alpha1 holds weir's own API (group weir.dev): FlinkProfile, the platform
// team's defaults and enforced settings for FlinkDeployments and FlinkSessionJobs
// (docs/profiles.md).
//
// +kubebuilder:object:generate=true
// +groupName=weir.dev
// +versionName=v1alpha1
package weirv1alpha1
