// Package controller holds weir's thin controller-runtime reconcilers: they observe the
// cluster and Flink, call the pure validation, lifecycle and resource builders, write status
// first and then act.
package controller
