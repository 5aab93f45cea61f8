// Package flinkconf computes a Flink cluster's effective configuration from a
// FlinkDeployment spec and renders it in the file format of its Flink version.
package flinkconf
