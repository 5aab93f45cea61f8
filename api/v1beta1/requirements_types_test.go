package v1beta1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestResourceRequirementsRoundTrip: amounts keep the user's text (a core Quantity would
// turn "4000m" into "4" and "1000M" into "1G"), and the spec survives lastReconciledSpec.
func TestResourceRequirementsRoundTrip(t *testing.T) {
	in := `{"jobManager":{"resources":{"requests":{"memory":"2048m","cpu":1,"nvidia.com/gpu":"1"},` +
		`"limits":{"memory":"4000m","cpu":0.5,"ephemeral-storage":"1000M"},"claims":[{"name":"gpu"}]}},` +
		`"taskManager":{"resources":{"limits":{"memory":"1.5Gi"}}}}`
	var spec FlinkDeploymentSpec
	if err := json.Unmarshal([]byte(in), &spec); err != nil {
		t.Fatal(err)
	}
	r := spec.JobManager.Resources
	for k, want := range map[string]string{"memory": "2048m", "cpu": "1", "nvidia.com/gpu": "1"} {
		if got, _ := r.Requests.Get(corev1.ResourceName(k)); got != want {
			t.Errorf("requests.%s = %q, want %q", k, got, want)
		}
	}
	for k, want := range map[string]string{"memory": "4000m", "cpu": "0.5", "ephemeral-storage": "1000M"} {
		if got, _ := r.Limits.Get(corev1.ResourceName(k)); got != want {
			t.Errorf("limits.%s = %q, want %q", k, got, want)
		}
	}
	if len(r.Claims) != 1 || r.Claims[0].Name != "gpu" {
		t.Errorf("claims = %+v", r.Claims)
	}
	out, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"memory":"2048m"`, `"memory":"4000m"`, `"ephemeral-storage":"1000M"`, `"memory":"1.5Gi"`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("marshalled spec lost %s: %s", s, out)
		}
	}
	rec, err := WriteSpecWithMeta(spec, ReconciliationMetadata{Generation: 1})
	if err != nil {
		t.Fatal(err)
	}
	back, _, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](rec)
	if err != nil || !ok {
		t.Fatalf("read back: %v %v", ok, err)
	}
	if !reflect.DeepEqual(back.JobManager, spec.JobManager) || !reflect.DeepEqual(back.TaskManager, spec.TaskManager) {
		t.Errorf("round trip changed the resources:\n%+v %+v\n%+v %+v", back.JobManager, back.TaskManager, spec.JobManager, spec.TaskManager)
	}
}

func TestRawQuantityRejectsOtherJSON(t *testing.T) {
	for _, in := range []string{`{"memory":true}`, `{"memory":{}}`, `{"memory":[1]}`} {
		var l ResourceList
		if err := json.Unmarshal([]byte(in), &l); err == nil {
			t.Errorf("%s decoded as %v, want an error", in, l)
		}
	}
}
