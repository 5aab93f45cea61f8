package v1beta1

import "testing"

func TestSpecWithMetaRoundTrip(t *testing.T) {
	spec := FlinkDeploymentSpec{Image: "flink:1.20", Job: &JobSpec{JarURI: "local:///a.jar", Parallelism: 2}}
	s, err := WriteSpecWithMeta(spec, ReconciliationMetadata{APIVersion: "flink.apache.org/v1beta1", FirstDeployment: true, Generation: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, meta, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](s)
	if err != nil || !ok {
		t.Fatalf("read: ok=%v err=%v", ok, err)
	}
	if got.Image != "flink:1.20" || got.Job.Parallelism != 2 || !meta.FirstDeployment || meta.Generation != 3 {
		t.Fatalf("round trip lost data: %+v %+v", got, meta)
	}
}

func TestReadSpecWithMetaOldFKOFormat(t *testing.T) {
	got, _, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](`{"apiVersion":"flink.apache.org/v1beta1","image":"flink:1.19"}`)
	if err != nil || !ok || got.Image != "flink:1.19" {
		t.Fatalf("old format: %+v ok=%v err=%v", got, ok, err)
	}
	if _, _, ok, _ := ReadSpecWithMeta[FlinkDeploymentSpec](""); ok {
		t.Fatal("empty string decoded as a spec")
	}
	if _, _, _, err := ReadSpecWithMeta[FlinkDeploymentSpec]("{"); err == nil {
		t.Fatal("broken JSON accepted")
	}
}

func TestFlinkVersionAtLeast(t *testing.T) {
	if !FlinkVersion2_1.AtLeast(1, 18) || FlinkVersion1_17.AtLeast(1, 18) || FlinkVersion("junk").AtLeast(0, 0) {
		t.Fatal("AtLeast is wrong")
	}
}
