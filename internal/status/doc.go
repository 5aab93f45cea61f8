// Package status derives the status summaries FKO reports (lifecycleState, the Running
// condition) from the recorded status: pure functions, table-tested.
package status
