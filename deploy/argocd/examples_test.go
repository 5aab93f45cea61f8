package argocd

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// repoRoot is where the examples' source paths are resolved, as ArgoCD resolves them in
// the git repository.
const repoRoot = "../.."

func loadExample(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("examples", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return u
}

// TestExamplesSyncInWaves: the app of apps brings up the CRDs, then the operator, then the
// profiles, then the apps, and every source path is a folder of this repository.
func TestExamplesSyncInWaves(t *testing.T) {
	root := loadExample(t, "platform.yaml")
	include, _, _ := unstructured.NestedString(root.Object, "spec", "source", "directory", "include")
	order := []string{"crds.yaml", "operator.yaml", "profiles.yaml", "apps.yaml"}
	last := -1 << 31
	for _, file := range order {
		if !strings.Contains(include, strings.TrimSuffix(file, ".yaml")) {
			t.Errorf("platform.yaml includes %q, not %s", include, file)
		}
		u := loadExample(t, file)
		wave, err := strconv.Atoi(u.GetAnnotations()["argocd.argoproj.io/sync-wave"])
		if err != nil {
			t.Fatalf("%s: sync-wave: %v", file, err)
		}
		if wave <= last {
			t.Errorf("%s is in wave %d, not after the previous one's %d", file, wave, last)
		}
		last = wave
		sources, _, _ := unstructured.NestedSlice(u.Object, "spec", "sources")
		if src, ok, _ := unstructured.NestedMap(u.Object, "spec", "source"); ok {
			sources = append(sources, src)
		}
		if tmpl, ok, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "sources"); ok {
			sources = append(sources, tmpl...)
		}
		for _, s := range sources {
			p, _ := s.(map[string]any)["path"].(string)
			if p == "" {
				continue
			}
			if st, err := os.Stat(filepath.Join(repoRoot, p)); err != nil || !st.IsDir() {
				t.Errorf("%s: source path %q is not a folder of the repository (%v)", file, p, err)
			}
		}
	}
}

// TestOperatorApplicationValues: the operator Application's values pass the operator
// chart's schema, as Helm checks them when ArgoCD renders the chart.
func TestOperatorApplicationValues(t *testing.T) {
	u := loadExample(t, "operator.yaml")
	vals, ok, _ := unstructured.NestedMap(u.Object, "spec", "source", "helm", "valuesObject")
	if !ok {
		t.Fatal("operator.yaml has no helm.valuesObject")
	}
	validateValues(t, "weir-operator", vals)
	bad := map[string]any{"replicas": "two"}
	ch, _ := loader.Load(filepath.Join(repoRoot, "charts", "weir-operator"))
	if err := chartutil.ValidateAgainstSchema(ch, bad); err == nil {
		t.Error("the operator chart's schema took replicas: two")
	}
}

// TestApplicationSetMakesOneAppPerDirectory runs the ApplicationSet's git directory
// generator over apps/*/* the way ArgoCD does (its Go templates over path, basename and
// segments): one Application per directory, named <namespace>-<app>, deployed into the
// directory's namespace, with values that pass the app chart's schema and name a profile
// that exists.
func TestApplicationSetMakesOneAppPerDirectory(t *testing.T) {
	u := loadExample(t, "apps.yaml")
	dirs, _, _ := unstructured.NestedSlice(u.Object, "spec", "generators")
	gitDirs, _, _ := unstructured.NestedSlice(dirs[0].(map[string]any), "git", "directories")
	pattern := gitDirs[0].(map[string]any)["path"].(string)
	name, _, _ := unstructured.NestedString(u.Object, "spec", "template", "metadata", "name")
	ns, _, _ := unstructured.NestedString(u.Object, "spec", "template", "spec", "destination", "namespace")
	sources, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "sources")
	valueFiles, _, _ := unstructured.NestedStringSlice(sources[0].(map[string]any), "helm", "valueFiles")

	matches, err := filepath.Glob(filepath.Join(repoRoot, pattern))
	if err != nil || len(matches) < 2 {
		t.Fatalf("%s matches %v (%v): the example has two apps", pattern, matches, err)
	}
	seen := map[string]bool{}
	for _, m := range matches {
		rel, _ := filepath.Rel(repoRoot, m)
		data := map[string]any{"path": map[string]any{
			"path": rel, "basename": filepath.Base(rel), "segments": strings.Split(rel, "/"),
		}}
		appName, appNS := render(t, name, data), render(t, ns, data)
		if errs := validation.IsDNS1123Subdomain(appName); len(errs) > 0 || seen[appName] {
			t.Errorf("%s: Application name %q (%v, duplicate %v)", rel, appName, errs, seen[appName])
		}
		seen[appName] = true
		if appNS != filepath.Base(filepath.Dir(rel)) {
			t.Errorf("%s: deployed into %q, not its namespace folder", rel, appNS)
		}
		vf := strings.Replace(render(t, valueFiles[0], data), "$values/", "", 1)
		raw, err := os.ReadFile(filepath.Join(repoRoot, vf))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		vals := map[string]any{}
		if err := yaml.Unmarshal(raw, &vals); err != nil {
			t.Fatalf("%s: %v", vf, err)
		}
		validateValues(t, "weir-app", vals)
		if p, _ := vals["profile"].(string); p != "" {
			if _, err := os.Stat(filepath.Join(repoRoot, "examples", "profiles", p+".yaml")); err != nil {
				t.Errorf("%s names profile %q, which the profiles Application does not sync", vf, p)
			}
		}
	}
}

func render(t *testing.T, text string, data any) string {
	t.Helper()
	tm, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, data); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return b.String()
}

// validateValues checks vals against the chart's values.schema.json, merged over the
// chart's own values as Helm does.
func validateValues(t *testing.T, chart string, vals map[string]any) {
	t.Helper()
	ch, err := loader.Load(filepath.Join(repoRoot, "charts", chart))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	if err := chartutil.ValidateAgainstSchema(ch, merged); err != nil {
		t.Errorf("%s values %v: %v", chart, vals, err)
	}
}
