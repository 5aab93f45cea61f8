package controller

import (
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/opconfig"
)

// ArtifactPolicyOf is the operator's rule for session-job jars: override when set (tests,
// flags), else the operator config's in force now.
func ArtifactPolicyOf(store *opconfig.Store, override *artifact.Policy) artifact.Policy {
	if override != nil {
		return *override
	}
	return settings(store).Artifacts
}
