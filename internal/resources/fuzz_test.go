package resources

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// FuzzBuild runs flinkconf.Build, WithStart, Render and resources.Build on arbitrary
// FlinkDeployments, restore paths and job ids. Errors are fine; panics are not, and a
// successful build must hold the objects its mode needs.
func FuzzBuild(f *testing.F) {
	files, _ := filepath.Glob("../validation/testdata/manifests/*.yaml")
	for _, file := range files {
		y, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(j, "s3://bucket/savepoints/savepoint-1", "0123456789abcdef0123456789abcdef", true)
	}
	f.Add([]byte(`{"metadata":{"name":"x","namespace":"y"},"spec":{"flinkVersion":"v1_19","podTemplate":{"spec":{"containers":[{"name":"a"},{}]}}}}`), "", "", false)
	f.Fuzz(func(t *testing.T, data []byte, restore, jobID string, allow bool) {
		d := &v1beta1.FlinkDeployment{}
		if err := json.Unmarshal(data, d); err != nil {
			return
		}
		conf, err := flinkconf.Build(d, &d.Spec)
		if err == nil {
			if c, err := flinkconf.WithStart(conf, d.Spec.FlinkVersion, restore, allow, jobID); err == nil {
				_, _, _ = flinkconf.Render(d.Spec.FlinkVersion, c)
			}
		}
		var r *Restore
		if restore != "" {
			r = &Restore{Path: restore, AllowNonRestoredState: allow}
		}
		s, err := Build(Input{Deployment: d, Spec: &d.Spec, Conf: conf, Restore: r, JobID: jobID})
		if err != nil {
			return
		}
		if s.ConfigMap == nil || s.JobManager == nil || s.RestService == nil || s.InternalService == nil {
			t.Fatalf("incomplete set: %+v", s)
		}
		if (s.TaskManager != nil) != (d.Spec.EffectiveMode() == v1beta1.ModeStandalone) {
			t.Fatalf("TaskManager Deployment present=%v in mode %q", s.TaskManager != nil, d.Spec.Mode)
		}
	})
}
