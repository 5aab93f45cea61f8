package demo

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

func TestCheckpointLayoutOfTheQuickstart(t *testing.T) {
	raw, err := os.ReadFile("../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.Unmarshal(raw, d); err != nil {
		t.Fatal(err)
	}
	bucket, base, length, err := checkpointLayout(d)
	if err != nil || bucket != "flink-state" || base != "default/quickstart" || length != 4 {
		t.Errorf("layout %q %q %d %v, want flink-state default/quickstart 4", bucket, base, length, err)
	}

	conf, _ := d.Spec.FlinkConfiguration.Flatten()
	conf["state.checkpoints.dir"] = "s3p://flink-state/default/quickstart/checkpoints"
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	if _, _, _, err := checkpointLayout(d); err == nil || !strings.Contains(err.Error(), "is not of the form") {
		t.Errorf("a directory without the marker: %v", err)
	}
}
