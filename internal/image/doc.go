// Package image builds container images without Docker: a debootstrap Java base, Flink, the operator and the cluster's own images.
package image
