package controller

import (
	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/opconfig"
)

// EffectiveDeployment is the FlinkDeployment the reconcilers validate and act on: its
// flinkConfiguration laid over the operator config's defaults (in memory only). The
// admission webhook validates the same, so that it refuses what the reconciler would.
func EffectiveDeployment(store *opconfig.Store, dep *v1beta1.FlinkDeployment) *v1beta1.FlinkDeployment {
	eff, _ := effectiveDeployment(store, dep)
	return eff
}

// ArtifactPolicyOf is the operator's rule for session-job jars: override when set (tests,
// flags), else the operator config's in force now.
func ArtifactPolicyOf(store *opconfig.Store, override *artifact.Policy) artifact.Policy {
	if override != nil {
		return *override
	}
	return settings(store).Artifacts
}
