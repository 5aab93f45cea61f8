// Package lifecycle is the pure decision core: spec diffs, upgrade-mode choice, health and the next action for a Flink job.
package lifecycle
