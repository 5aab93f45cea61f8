package validation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

// seedManifests returns the FKO-style manifests in testdata/manifests as JSON.
func seedManifests(f *testing.F) [][]byte {
	f.Helper()
	files, err := filepath.Glob("testdata/manifests/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed manifests: %v", err)
	}
	var out [][]byte
	for _, file := range files {
		y, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		out = append(out, j)
	}
	return out
}

func TestSeedManifestsAreValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/manifests/*.yaml")
	for _, file := range files {
		y, _ := os.ReadFile(file)
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			t.Fatal(err)
		}
		d := &v1beta1.FlinkDeployment{}
		if err := json.Unmarshal(j, d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := Deployment(d); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

// FuzzValidateDeployment decodes arbitrary JSON as a FlinkDeployment and runs the
// validator and the builders on it. None may panic, and a spec the validator accepts must
// build.
func FuzzValidateDeployment(f *testing.F) {
	for _, j := range seedManifests(f) {
		f.Add(j)
	}
	f.Add([]byte(`{"metadata":{"name":"a","namespace":"b"},"spec":{"flinkVersion":"v2_0","flinkConfiguration":{"a":{"b":[1,{"c":null}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &v1beta1.FlinkDeployment{}
		if err := json.Unmarshal(data, d); err != nil {
			return
		}
		verr := Deployment(d)
		conf, confErr := flinkconf.Build(d, &d.Spec)
		if confErr == nil {
			_, _, _ = flinkconf.Render(d.Spec.FlinkVersion, conf)
		}
		if d.Namespace == "" {
			d.Namespace = "default"
		}
		_, buildErr := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec, Conf: conf})
		if verr == nil && (confErr != nil || buildErr != nil) {
			t.Fatalf("validation accepted a spec that does not build: conf: %v, build: %v", confErr, buildErr)
		}
	})
}

// FuzzValidateSessionJob runs the session job and snapshot validators on arbitrary JSON.
func FuzzValidateSessionJob(f *testing.F) {
	f.Add([]byte(`{"spec":{"deploymentName":"s","job":{"jarURI":"https://h/j.jar","parallelism":1}}}`), []byte(`{"metadata":{"name":"s"},"spec":{}}`))
	f.Add([]byte(`{"spec":{"jobReference":{"kind":"FlinkDeployment","name":"b"},"savepoint":{}}}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, jobData, sessionData []byte) {
		j := &v1beta1.FlinkSessionJob{}
		if json.Unmarshal(jobData, j) == nil {
			var session *v1beta1.FlinkDeployment
			if s := (&v1beta1.FlinkDeployment{}); json.Unmarshal(sessionData, s) == nil {
				session = s
			}
			_ = SessionJob(j, session)
		}
		s := &v1beta1.FlinkStateSnapshot{}
		if json.Unmarshal(jobData, s) == nil {
			_ = StateSnapshot(s)
		}
	})
}
