package charts_test

import (
	"io/fs"
	"maps"
	"os"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/charts"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/validation"
)

// embedded loads a chart from the binary's embedded copy, the one the CLI installs.
func embedded(t *testing.T, fsys fs.FS, root string) *chart.Chart {
	t.Helper()
	var files []*loader.BufferedFile
	err := fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(path, root+"/"), Data: data})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// template renders ch as `helm template` does (an install, dry run, client only) as
// release "orders" in team-a, values checked against values.schema.json: the manifest split
// into objects.
func template(ch *chart.Chart, values map[string]any) ([]map[string]any, error) {
	in := action.NewInstall(&action.Configuration{})
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	in.ReleaseName, in.Namespace = "orders", "team-a"
	if n, ok := values["release"].(string); ok {
		in.ReleaseName = n
		values = maps.Clone(values)
		delete(values, "release")
	}
	in.KubeVersion = &chartutil.KubeVersion{Version: "v1.34.0", Major: "1", Minor: "34"}
	rel, err := in.Run(ch, values)
	if err != nil {
		return nil, err
	}
	var objs []map[string]any
	for _, doc := range strings.Split(rel.Manifest, "\n---") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, err
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	return objs, nil
}

// decode converts a rendered object into out strictly: an unknown field is an error.
func decode(t *testing.T, o map[string]any, out any) {
	t.Helper()
	raw, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, out); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
}

func valuesFile(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := map[string]any{}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func devProfile(t *testing.T) *weirv1alpha1.FlinkProfile {
	t.Helper()
	raw, err := os.ReadFile("../examples/profiles/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := &weirv1alpha1.FlinkProfile{}
	if err := yaml.UnmarshalStrict(raw, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// byKind returns the rendered objects of one kind.
func byKind(objs []map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		if o["kind"] == kind {
			out = append(out, o)
		}
	}
	return out
}

// The README's ten lines become a FlinkDeployment that weir's own types decode and that,
// under the profile it names, passes the operator's validation.
func TestAppChartRendersAValidFlinkDeployment(t *testing.T) {
	ch := embedded(t, charts.App, "weir-app")
	for _, tc := range []struct {
		name   string
		values map[string]any
	}{
		{"examples/weir-app/values.yaml", valuesFile(t, "../examples/weir-app/values.yaml")},
		{"jarURI and profile only", map[string]any{"profile": "dev", "jarURI": "local:///opt/flink/usrlib/app.jar"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := template(ch, tc.values)
			if err != nil {
				t.Fatal(err)
			}
			fds := byKind(objs, "FlinkDeployment")
			if len(fds) != 1 || len(objs) != 1 {
				t.Fatalf("want one FlinkDeployment alone, got %v", objs)
			}
			app := &v1beta1.FlinkDeployment{}
			decode(t, fds[0], app)
			if app.Name != "orders" || app.Namespace != "team-a" || app.Labels[weirv1alpha1.ProfileLabel] != "dev" {
				t.Errorf("metadata %+v", app.ObjectMeta)
			}
			if app.Spec.Job == nil || app.Spec.Job.JarURI != tc.values["jarURI"] || app.Spec.Job.State != v1beta1.JobStateRunning {
				t.Fatalf("job %+v", app.Spec.Job)
			}
			if app.Spec.ServiceAccount != "" || app.Spec.Image != "" {
				t.Errorf("the profile's fields were set by the chart: %+v", app.Spec)
			}
			eff, _, err := profile.Effective(devProfile(t), app)
			if err != nil {
				t.Fatal(err)
			}
			if err := validation.Deployment(eff); err != nil {
				t.Errorf("the operator would reject the chart's app: %v", err)
			}
		})
	}

	objs, err := template(ch, valuesFile(t, "../examples/weir-app/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app := &v1beta1.FlinkDeployment{}
	decode(t, objs[0], app)
	if j := app.Spec.Job; j.Parallelism != 2 || j.UpgradeMode != v1beta1.UpgradeModeSavepoint || app.Labels[weirv1alpha1.PresetLabel] != "small" {
		t.Errorf("values not carried: job %+v labels %v", j, app.Labels)
	}
	if conf, _ := app.Spec.FlinkConfiguration.Flatten(); conf["execution.checkpointing.interval"] != "10 s" {
		t.Errorf("flinkConfiguration: %v", app.Spec.FlinkConfiguration)
	}
}

// Without a profile's service account, the chart makes the app's own, labelled so that the
// operator binds its Flink Role to it; suspended: true suspends the job; session jobs make
// the deployment their session cluster.
func TestAppChartServiceAccountSuspendAndSessionJobs(t *testing.T) {
	ch := embedded(t, charts.App, "weir-app")
	objs, err := template(ch, map[string]any{
		"jarURI": "local:///opt/flink/usrlib/app.jar", "image": "flink:1.20", "flinkVersion": "v1_20", "suspended": true,
		"serviceAccount":     map[string]any{"create": true, "annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/orders"}},
		"flinkConfiguration": map[string]any{"taskmanager.numberOfTaskSlots": 2},
		"jobManager":         map[string]any{"cpu": 0.5, "memory": "1024m"},
		"taskManager":        map[string]any{"cpu": 1, "memory": "2g", "replicas": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	sas, fds := byKind(objs, "ServiceAccount"), byKind(objs, "FlinkDeployment")
	if len(sas) != 1 || len(fds) != 1 {
		t.Fatalf("want a ServiceAccount and a FlinkDeployment, got %v", objs)
	}
	app := &v1beta1.FlinkDeployment{}
	decode(t, fds[0], app)
	md := sas[0]["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	if md["name"] != app.Spec.ServiceAccount || app.Spec.ServiceAccount != "orders" || labels["flink.apache.org/flink-service-account"] != "true" {
		t.Errorf("service account %v, app names %q", md, app.Spec.ServiceAccount)
	}
	if conf, _ := app.Spec.FlinkConfiguration.Flatten(); app.Spec.Job.State != v1beta1.JobStateSuspended || conf["taskmanager.numberOfTaskSlots"] != "2" {
		t.Errorf("spec %+v", app.Spec)
	}
	if jm, tm := app.Spec.JobManager, app.Spec.TaskManager; jm == nil || jm.Resource == nil || jm.Resource.Memory != "1024m" ||
		tm == nil || tm.Resource == nil || tm.Resource.Memory != "2g" || tm.Replicas == nil || *tm.Replicas != 2 {
		t.Errorf("resources: jobManager %+v taskManager %+v", jm, tm)
	}
	// Without a profile the app runs as written: the values make a complete, valid app.
	if err := validation.Deployment(app); err != nil {
		t.Errorf("the operator would reject the chart's app: %v", err)
	}

	objs, err = template(ch, map[string]any{"profile": "dev", "sessionJobs": []any{
		map[string]any{"name": "clicks", "jarURI": "https://repo.example/clicks.jar", "parallelism": 2},
		map[string]any{"name": "views", "jarURI": "https://repo.example/views.jar", "suspended": true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	fds, sjs := byKind(objs, "FlinkDeployment"), byKind(objs, "FlinkSessionJob")
	if len(fds) != 1 || len(sjs) != 2 {
		t.Fatalf("want a session cluster and two jobs, got %v", objs)
	}
	session := &v1beta1.FlinkDeployment{}
	decode(t, fds[0], session)
	if session.Spec.Job != nil {
		t.Errorf("the session cluster has a job: %+v", session.Spec.Job)
	}
	eff, _, err := profile.Effective(devProfile(t), session)
	if err != nil {
		t.Fatal(err)
	}
	if err := validation.Deployment(eff); err != nil {
		t.Errorf("session cluster: %v", err)
	}
	for _, o := range sjs {
		j := &v1beta1.FlinkSessionJob{}
		decode(t, o, j)
		if j.Spec.DeploymentName != "orders" || j.Labels[weirv1alpha1.ProfileLabel] != "dev" {
			t.Errorf("session job %s: %+v", j.Name, j)
		}
		if err := validation.SessionJob(j, eff); err != nil {
			t.Errorf("session job %s: %v", j.Name, err)
		}
	}
}

// values.schema.json refuses bad values at install, with a message naming the problem (and
// the template a release name that cannot name an app).
func TestAppChartSchemaRejectsBadValues(t *testing.T) {
	ch := embedded(t, charts.App, "weir-app")
	jar := "local:///opt/flink/usrlib/app.jar"
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"missing jar", map[string]any{"profile": "dev"}, "missing property 'jarURI'"},
		{"unknown key", map[string]any{"jarURI": jar, "paralelism": 2}, "additional properties 'paralelism' not allowed"},
		{"parallelism 0", map[string]any{"jarURI": jar, "parallelism": 0}, "at '/parallelism': minimum: got 0, want 1"},
		{"bad upgrade mode", map[string]any{"jarURI": jar, "upgradeMode": "savepoints"}, "at '/upgradeMode': value must be one of"},
		{"jar without scheme", map[string]any{"jarURI": "app.jar"}, "at '/jarURI': 'app.jar' does not match pattern"},
		{"bad name", map[string]any{"jarURI": jar, "name": "Orders_1"}, "at '/name': 'Orders_1' does not match pattern"},
		{"unknown service account key", map[string]any{"jarURI": jar, "serviceAccount": map[string]any{"crate": true}}, "additional properties 'crate' not allowed"},
		{"bad memory", map[string]any{"jarURI": jar, "taskManager": map[string]any{"memory": "lots"}}, "at '/taskManager/memory': 'lots' does not match pattern"},
		{"unknown resource key", map[string]any{"jarURI": jar, "jobManager": map[string]any{"replicas": 2}}, "at '/jobManager': additional properties 'replicas' not allowed"},
		{"release name too long for an app", map[string]any{"jarURI": jar, "release": "orders-" + strings.Repeat("x", 40)}, "must be at most 45 lower-case letters"},
		{"session job without jar", map[string]any{"sessionJobs": []any{map[string]any{"name": "a"}}}, "missing property 'jarURI'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := template(ch, tc.values)
			if err == nil {
				t.Fatalf("accepted %v", tc.values)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want the schema's %q, got: %v", tc.want, err)
			}
		})
	}
}
