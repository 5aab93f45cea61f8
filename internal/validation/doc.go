// Package validation holds the semantic checks of FlinkDeployment, FlinkSessionJob and
// FlinkStateSnapshot specs: pure functions from spec to a list of clear errors.
package validation
