// Package upgrade is the pure part of `make bench-upgrade` (test/e2e/bench_upgrade_test.go,
// which runs it on the local cluster): what one upgrade's Flink job timings mean (Times,
// Follow) and the table that sets the operator's savepoint upgrade beside the same
// stop-with-savepoint and restore driven by hand through Flink's REST API (Report).
package upgrade
