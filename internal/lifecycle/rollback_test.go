package lifecycle

import (
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func TestAimAfterRollback(t *testing.T) {
	failed := changed(spec(v1beta1.UpgradeModeSavepoint), newImage)
	stable := spec(v1beta1.UpgradeModeSavepoint)
	cases := []struct {
		name         string
		recorded     *v1beta1.FlinkDeploymentSpec
		state        v1beta1.ReconciliationState
		recGen, gen  int64
		wantRecorded bool
	}{
		{"rolled back, the failed spec unchanged: keep the stable spec", stable, v1beta1.ReconciliationRolledBack, 4, 4, true},
		{"rolled back, then edited: try the new spec", stable, v1beta1.ReconciliationRolledBack, 4, 5, false},
		{"deployed: the desired spec", stable, v1beta1.ReconciliationDeployed, 4, 4, false},
		{"rolling back: the planner continues the rollback itself", stable, v1beta1.ReconciliationRollingBack, 4, 4, false},
		{"nothing recorded", nil, v1beta1.ReconciliationRolledBack, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AimAfterRollback(failed, tc.recorded, tc.state, tc.recGen, tc.gen)
			if (got == tc.recorded && tc.recorded != nil) != tc.wantRecorded || (!tc.wantRecorded && got != failed) {
				t.Fatalf("aim %v, want recorded=%v", got.Image, tc.wantRecorded)
			}
		})
	}
}
