// Package resources holds pure builders from a FlinkDeployment spec to the Kubernetes
// objects of its Flink cluster, in standalone and native modes. No client, no context.
package resources
