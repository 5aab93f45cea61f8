package validation

import (
	"strings"
	"testing"
)

// The quickstart's S3 layout: the marker in the checkpoint path only.
func TestEntropyInCheckpointPathOnly(t *testing.T) {
	m := strings.Replace(valid, "    state.checkpoints.dir: s3://b/cp\n",
		"    state.checkpoints.dir: s3p://b/ns/app/_entropy_/checkpoints\n    s3.entropy.key: _entropy_\n    s3.entropy.length: \"4\"\n", 1)
	if m == valid {
		t.Fatal("test bug: checkpoint dir not replaced")
	}
	if err := Deployment(decodeDeployment(t, m)); err != nil {
		t.Fatalf("entropy in the checkpoint path only refused: %v", err)
	}
}
