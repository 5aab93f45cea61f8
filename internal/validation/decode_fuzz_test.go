package validation

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

// decodeSeeds are resources the API server accepts but whose schemaless parts do not fit
// weir's types: each once stopped the operator's informer for every resource.
var decodeSeeds = []string{
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"n"},"spec":{"image":"flink:1.20","flinkVersion":"v1_20","serviceAccount":"flink","jobManager":{"resource":{"memory":"1g","cpu":1},"podTemplate":{"spec":{"containers":"abc"}}},"taskManager":{"resource":{"memory":"1g","cpu":1}}}}`,
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"n"},"spec":{"image":"flink:1.20","flinkVersion":"v1_20","serviceAccount":"flink","jobManager":{"resource":{"memory":"1g","cpu":1}},"taskManager":{"resource":{"memory":"1g","cpu":1},"podTemplate":{"spec":{"containers":[{"name":"flink-main-container","resources":{"limits":{"memory":"2gb"}}}]}}}}}`,
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"n"},"spec":{"image":"flink:1.20","flinkVersion":"v1_20","serviceAccount":"flink","podTemplate":{"spec":{"nodeSelecter":{"pool":"flink"}}},"jobManager":{"resource":{"memory":"1g","cpu":1}},"taskManager":{"resource":{"memory":"1g","cpu":1}}}}`,
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"n"},"spec":{"image":"flink:1.20","flinkVersion":"v1_20","serviceAccount":"flink","podTemplate":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"flink-main-container","ports":[{"containerPort":3000000000}]}]}},"jobManager":{"resource":{"memory":"1g","cpu":1}},"taskManager":{"resource":{"memory":"1g","cpu":1}}}}`,
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"n"},"spec":{"image":"flink:1.20","flinkVersion":"v1_20","serviceAccount":"flink","podTemplate":{"spec":{"containers":[{"name":"flink-main-container","env":[{"name":"A","value":"1"}]}],"tolerations":[{"key":"k","operator":"Exists"}]}},"jobManager":{"resource":{"memory":"1g","cpu":1}},"taskManager":{"resource":{"memory":"1g","cpu":1},"podTemplate":{"spec":{"containers":[{"name":"flink-main-container","env":[{"name":"B","value":"2"}]}]}}}}}`,
	`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkSessionJob","metadata":{"name":"s","namespace":"n"},"spec":{"deploymentName":"d","job":{"jarURI":"https://h/j.jar","parallelism":1,"args":["a"]},"flinkConfiguration":{"a":{"b":1}}}}`,
}

// FuzzDecode decodes arbitrary bytes with the codec the operator's client and informers
// use, then validates and builds what decoded. Nothing may panic; a pod template with decode
// problems must be refused; a spec the validator accepts must build, and its record in
// lastReconciledSpec must read back as the same spec.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	sch := runtime.NewScheme()
	if err := v1beta1.AddToScheme(sch); err != nil {
		f.Fatal(err)
	}
	codec := serializer.NewCodecFactory(sch).UniversalDeserializer()
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, _, err := codec.Decode(data, nil, nil)
		if err != nil {
			return
		}
		switch o := obj.(type) {
		case *v1beta1.FlinkDeployment:
			checkDecodedDeployment(t, o)
		case *v1beta1.FlinkSessionJob:
			_ = SessionJob(o, nil)
			roundTrip(t, &o.Spec)
		}
	})
}

// The seeds decode with the operator's codec, and the broken ones are refused, naming the
// problem.
func TestDecodeSeeds(t *testing.T) {
	sch := runtime.NewScheme()
	if err := v1beta1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	codec := serializer.NewCodecFactory(sch).UniversalDeserializer()
	want := []string{"spec.containers: expected an array", `"2gb" is not a quantity`, "spec.nodeSelecter: unknown field", "that fits in int32"}
	for i, s := range decodeSeeds {
		obj, _, err := codec.Decode([]byte(s), nil, nil)
		if err != nil {
			t.Fatalf("seed %d does not decode: %v", i, err)
		}
		if i >= len(want) {
			continue
		}
		if err := Deployment(obj.(*v1beta1.FlinkDeployment)); err == nil || !strings.Contains(err.Error(), want[i]) {
			t.Errorf("seed %d: error %v, want %q", i, err, want[i])
		}
	}
}

func checkDecodedDeployment(t *testing.T, d *v1beta1.FlinkDeployment) {
	verr := Deployment(d)
	templates := []*v1beta1.PodTemplate{d.Spec.PodTemplate}
	if d.Spec.JobManager != nil {
		templates = append(templates, d.Spec.JobManager.PodTemplate)
	}
	if d.Spec.TaskManager != nil {
		templates = append(templates, d.Spec.TaskManager.PodTemplate)
	}
	for _, pt := range templates {
		if len(pt.DecodeProblems()) > 0 && verr == nil {
			t.Fatalf("a pod template with problems %q was accepted", pt.DecodeProblems())
		}
	}
	roundTrip(t, &d.Spec)
	if d.Namespace == "" {
		d.Namespace = "default"
	}
	conf, confErr := flinkconf.Build(d, &d.Spec)
	if confErr == nil {
		_, _, _ = flinkconf.Render(d.Spec.FlinkVersion, conf)
	}
	_, buildErr := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec, Conf: conf})
	if verr == nil && (confErr != nil || buildErr != nil) {
		t.Fatalf("validation accepted a spec that does not build: conf: %v, build: %v", confErr, buildErr)
	}
}

// roundTrip writes spec as lastReconciledSpec and reads it back: the operator compares the
// two, so the second write must give the same bytes.
func roundTrip[S any](t *testing.T, spec *S) {
	s1, err := v1beta1.WriteSpecWithMeta(*spec, v1beta1.ReconciliationMetadata{})
	if err != nil {
		return // not writable (e.g. a NaN): nothing is recorded
	}
	back, _, _, err := v1beta1.ReadSpecWithMeta[S](s1)
	if err != nil {
		t.Fatalf("the record %s does not read back: %v", s1, err)
	}
	s2, err := v1beta1.WriteSpecWithMeta(back, v1beta1.ReconciliationMetadata{})
	if err != nil || !bytes.Equal([]byte(s1), []byte(s2)) {
		t.Fatalf("the record changed when read back:\n%s\n%s (%v)", s1, s2, err)
	}
}
