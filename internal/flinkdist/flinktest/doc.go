// Package flinktest starts real standalone Flink clusters on loopback for integration tests.
package flinktest
