// Package rest is a typed client for the Flink JobManager REST API (Flink 1.20 and 2.x).
package rest
