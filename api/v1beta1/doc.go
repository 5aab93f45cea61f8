// Package v1beta1 holds the flink.apache.org/v1beta1 API types, field-compatible with the
// Apache Flink Kubernetes Operator (FKO), so that FKO manifests apply to weir unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=flink.apache.org
package v1beta1
