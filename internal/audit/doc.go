// Package audit regenerates the audiences job's input from its seed and proves from the job's committed output that every event was counted exactly once and that traits and audiences are right.
package audit
