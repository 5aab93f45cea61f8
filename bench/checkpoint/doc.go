// Package checkpoint is `make bench-checkpoint`: real Flink (JobManager and TaskManager
// processes) checkpointing keyed RocksDB state of a chosen size to the real S3 server
// (versitygw) through a counting proxy, beside the server's raw PUT throughput measured in
// the same run. It is a test behind WEIR_BENCH_CHECKPOINT=1 so that it can use the s3test
// and flinktest helpers; docs/s3.md explains the figures.
package checkpoint
