package v1beta1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

func TestPodTemplateDecodeProblems(t *testing.T) {
	cases := []struct {
		name string
		json string
		want []string
	}{
		{"valid", `{"metadata":{"labels":{"a":"b"}},"spec":{"nodeSelector":{"pool":"flink"},"containers":[{"name":"flink-main-container","resources":{"limits":{"memory":"2Gi","cpu":1}}}]}}`, nil},
		{"containers as a string", `{"spec":{"containers":"abc"}}`,
			[]string{"spec.containers: expected an array, got a string"}},
		{"limit that is not a quantity", `{"spec":{"containers":[{"name":"flink-main-container","resources":{"limits":{"memory":"2gb"}}}]}}`,
			[]string{`spec.containers[0].resources.limits.memory: "2gb" is not a quantity (such as 2Gi, 512Mi, 500m or 1.5)`}},
		{"misspelt field", `{"spec":{"nodeSelecter":{"pool":"flink"}}}`,
			[]string{"spec.nodeSelecter: unknown field"}},
		{"field names are case-sensitive", `{"spec":{"NodeSelector":{"pool":"flink"}}}`,
			[]string{"spec.NodeSelector: unknown field"}},
		{"number too large for int32", `{"spec":{"containers":[{"name":"x","ports":[{"containerPort":3000000000}]}]}}`,
			[]string{"spec.containers[0].ports[0].containerPort: 3000000000 is not a whole number that fits in int32"}},
		{"fraction in an integer", `{"spec":{"terminationGracePeriodSeconds":1.5}}`,
			[]string{"spec.terminationGracePeriodSeconds: expected an integer, got a number"}},
		{"object where a string goes", `{"spec":{"serviceAccountName":{"a":1}}}`,
			[]string{"spec.serviceAccountName: expected a string, got an object"}},
		{"inline fields of embedded structs", `{"spec":{"volumes":[{"name":"v","emptyDir":{"sizeLimit":"1Gi"}}],"containers":[{"name":"x","livenessProbe":{"httpGet":{"port":"http"}}}]}}`, nil},
		{"bad port in an inline field", `{"spec":{"containers":[{"name":"x","livenessProbe":{"httpGet":{"port":true}}}]}}`,
			[]string{`spec.containers[0].livenessProbe.httpGet.port: true cannot be read:`}},
		{"several problems", `{"kind":1,"spec":{"containers":"abc","nodeSelecter":{}}}`,
			[]string{"kind: expected a string, got an integer", "spec.containers: expected an array, got a string", "spec.nodeSelecter: unknown field"}},
		{"not an object", `"abc"`, []string{"expected an object, got a string"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p PodTemplate
			if err := json.Unmarshal([]byte(tc.json), &p); err != nil {
				t.Fatalf("the decode failed: %v", err)
			}
			got := p.DecodeProblems()
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// A template with problems keeps the fields that fit and is written back as it came.
func TestPodTemplateWithProblemsRoundTrips(t *testing.T) {
	raw := `{"spec":{"serviceAccountName":"flink","nodeSelecter":{"pool":"flink"},"containers":"abc"}}`
	var p PodTemplate
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	if p.Spec.ServiceAccountName != "flink" {
		t.Errorf("the known field was not kept: %+v", p.Spec)
	}
	out, err := json.Marshal(&p)
	if err != nil || string(out) != raw {
		t.Fatalf("marshal = %s, %v; want the JSON as written", out, err)
	}
	cp := p.DeepCopy()
	if !reflect.DeepEqual(cp.DecodeProblems(), p.DecodeProblems()) {
		t.Errorf("deepcopy lost the problems: %q", cp.DecodeProblems())
	}
	if out, _ := json.Marshal(cp); string(out) != raw {
		t.Errorf("deepcopy marshals to %s", out)
	}

	// Through lastReconciledSpec and back, in each of the three places.
	spec := FlinkDeploymentSpec{PodTemplate: &p, JobManager: &JobManagerSpec{PodTemplate: p.DeepCopy()},
		TaskManager: &TaskManagerSpec{PodTemplate: p.DeepCopy()}}
	s, err := WriteSpecWithMeta(spec, ReconciliationMetadata{Generation: 2})
	if err != nil {
		t.Fatal(err)
	}
	back, _, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](s)
	if err != nil || !ok {
		t.Fatalf("reading back: %v", err)
	}
	for _, got := range []*PodTemplate{back.PodTemplate, back.JobManager.PodTemplate, back.TaskManager.PodTemplate} {
		if out, _ := json.Marshal(got); string(out) != raw {
			t.Errorf("read back as %s", out)
		}
		if !reflect.DeepEqual(got.DecodeProblems(), p.DecodeProblems()) {
			t.Errorf("problems read back as %q", got.DecodeProblems())
		}
	}
}

// A clean template encodes from its fields, so a change made by the operator's own code
// (merging, defaults) is what gets written.
func TestCleanPodTemplateEncodesItsFields(t *testing.T) {
	var p PodTemplate
	if err := json.Unmarshal([]byte(`{"spec":{"serviceAccountName":"a"}}`), &p); err != nil {
		t.Fatal(err)
	}
	p.Spec.ServiceAccountName = "b"
	out, _ := json.Marshal(p)
	var back PodTemplate
	_ = json.Unmarshal(out, &back)
	if back.Spec.ServiceAccountName != "b" || back.DecodeProblems() != nil {
		t.Errorf("encoded as %s", out)
	}
}

// The decoder the client and the informers use reads a FlinkDeployment whose pod template
// does not fit, instead of failing on the whole object.
func TestSchemeDecodesBrokenPodTemplate(t *testing.T) {
	sch := runtime.NewScheme()
	if err := AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	doc := `{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a"},
		"spec":{"image":"flink:1.20","taskManager":{"replicas":2,"podTemplate":{"spec":{"containers":"abc"}}}}}`
	obj, _, err := serializer.NewCodecFactory(sch).UniversalDeserializer().Decode([]byte(doc), nil, nil)
	if err != nil {
		t.Fatalf("the object does not decode: %v", err)
	}
	d := obj.(*FlinkDeployment)
	if d.Spec.Image != "flink:1.20" || *d.Spec.TaskManager.Replicas != 2 {
		t.Errorf("the rest of the spec was lost: %+v", d.Spec)
	}
	if got := d.Spec.TaskManager.PodTemplate.DecodeProblems(); len(got) != 1 {
		t.Errorf("problems = %q", got)
	}
}
