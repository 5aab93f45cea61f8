// Package operator wires the weir operator: options, the controller-runtime manager, the
// reconcilers, health and metrics endpoints, leader election and logging.
package operator
