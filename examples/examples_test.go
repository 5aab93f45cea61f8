package examples

import (
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func TestBasic(t *testing.T) {
	d := Basic("ns", "app")
	if d.Name != "app" || d.Namespace != "ns" || d.Spec.Job == nil || d.Spec.Job.UpgradeMode != v1beta1.UpgradeModeStateless ||
		d.Spec.Image != "flink:1.20" || d.Spec.FlinkVersion != v1beta1.FlinkVersion1_20 {
		t.Fatalf("unexpected basic example: %+v", d)
	}
	if Basic("ns", "other").Name != "other" {
		t.Fatal("each call must return a fresh object")
	}
}
