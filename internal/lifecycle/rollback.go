package lifecycle

import "weir.dev/weir/api/v1beta1"

// AimAfterRollback is the spec a FlinkDeployment aims for: as in FKO, a spec that was
// rolled back is not tried again until the user edits it, so while the record is
// ROLLED_BACK and carries the generation of the spec that failed (recordedGeneration ==
// generation), the aim is the recorded (last stable) spec; otherwise the desired one. It is
// decided before planning because the planner's options and the observation follow it.
func AimAfterRollback(desired, recorded *v1beta1.FlinkDeploymentSpec, state v1beta1.ReconciliationState,
	recordedGeneration, generation int64) *v1beta1.FlinkDeploymentSpec {
	if recorded != nil && state == v1beta1.ReconciliationRolledBack && recordedGeneration == generation {
		return recorded
	}
	return desired
}
