package install

import (
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"weir.dev/weir/charts"
	"weir.dev/weir/internal/opconfig"
)

// The operator's root filesystem is read-only, so the chart gives it a writable /tmp for
// the session-job jars it downloads (found by the session-job e2e: the download failed).
func TestChartGivesTheOperatorAWritableTmp(t *testing.T) {
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	for name, text := range out {
		if strings.HasSuffix(name, "deployment.yaml") {
			if err := yaml.Unmarshal([]byte(text), &dep); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	c := dep.Spec.Template.Spec.Containers
	if len(c) != 1 || c[0].SecurityContext == nil || c[0].SecurityContext.ReadOnlyRootFilesystem == nil || !*c[0].SecurityContext.ReadOnlyRootFilesystem {
		t.Fatalf("operator container: %+v", c)
	}
	var mounted bool
	for _, m := range c[0].VolumeMounts {
		mounted = mounted || m.MountPath == "/tmp"
	}
	var emptyDir bool
	for _, v := range dep.Spec.Template.Spec.Volumes {
		emptyDir = emptyDir || (v.Name == "artifacts" && v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil)
	}
	if !mounted || !emptyDir {
		t.Errorf("no emptyDir at /tmp: mounts %+v volumes %+v", c[0].VolumeMounts, dep.Spec.Template.Spec.Volumes)
	}
}

// renderRaw renders the operator chart as release "weir" in weir-system: file name → text.
func renderRaw(t *testing.T, values map[string]any) map[string]string {
	t.Helper()
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "weir", Namespace: "weir-system"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderObjects renders the operator chart with values and returns its objects by
// "Kind namespace/name".
func renderObjects(t *testing.T, values map[string]any) map[string]map[string]any {
	t.Helper()
	out := renderRaw(t, values)
	objs := map[string]map[string]any{}
	for name, text := range out {
		for _, doc := range strings.Split(text, "\n---") {
			var o map[string]any
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if o == nil {
				continue
			}
			md, _ := o["metadata"].(map[string]any)
			ns, _ := md["namespace"].(string)
			objs[fmt.Sprintf("%s %s/%s", o["kind"], ns, md["name"])] = o
		}
	}
	return objs
}

// generatedRules are the operator's rules from its RBAC markers.
func generatedRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	raw, err := fs.ReadFile(charts.Operator, "weir-operator/files/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &cr); err != nil {
		t.Fatal(err)
	}
	return cr.Rules
}

func rulesOf(t *testing.T, o map[string]any) []rbacv1.PolicyRule {
	t.Helper()
	raw, _ := yaml.Marshal(o)
	var r rbacv1.Role
	if err := yaml.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Rules
}

// checkLeastPrivilege fails on rules that let the operator grant more than it holds, act
// as someone else, or do more with service accounts than create and patch the ones
// FlinkProfiles' templates name (no update, delete or token; the controller never takes a
// name from an app: TestTenantCannotGetServiceAccountCreated).
func checkLeastPrivilege(t *testing.T, where string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for _, r := range rules {
		for _, v := range r.Verbs {
			if v == "bind" || v == "escalate" || v == "impersonate" || v == "*" {
				t.Errorf("%s grants %q on %v", where, v, r.Resources)
			}
		}
		for _, res := range r.Resources {
			if res == "*" || strings.HasPrefix(res, "serviceaccounts/") || (res == "serviceaccounts" && slices.ContainsFunc(r.Verbs, func(v string) bool {
				return !slices.Contains([]string{"get", "list", "watch", "create", "patch"}, v)
			})) {
				t.Errorf("%s grants %v on %s", where, r.Verbs, res)
			}
		}
	}
}

func checkFlinkServiceAccount(t *testing.T, objs map[string]map[string]any, ns string) {
	t.Helper()
	sa := objs["ServiceAccount "+ns+"/flink"]
	if sa == nil {
		t.Errorf("no flink ServiceAccount in %s", ns)
		return
	}
	labels, _ := sa["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels["flink.apache.org/flink-service-account"] != "true" {
		t.Errorf("flink ServiceAccount in %s lacks the label the operator binds to: %v", ns, labels)
	}
}

func TestChartGrantsTheGeneratedRulesClusterWide(t *testing.T) {
	objs := renderObjects(t, map[string]any{})
	want := generatedRules(t)
	checkLeastPrivilege(t, "files/role.yaml", want)
	cr := objs["ClusterRole /weir-weir-operator"]
	if cr == nil {
		t.Fatalf("no ClusterRole: %v", slices.Sorted(maps.Keys(objs)))
	}
	if got := rulesOf(t, cr); !reflect.DeepEqual(got, want) {
		t.Errorf("ClusterRole rules differ from files/role.yaml:\n%v\n%v", got, want)
	}
	if objs["ClusterRoleBinding /weir-weir-operator"] == nil {
		t.Error("no ClusterRoleBinding")
	}
	for k, o := range objs {
		if strings.HasPrefix(k, "Role ") || strings.HasPrefix(k, "ClusterRole ") {
			checkLeastPrivilege(t, k, rulesOf(t, o))
		}
	}
	checkFlinkServiceAccount(t, objs, "weir-system")
}

// With watchNamespaces the operator gets a Role and RoleBinding in each, as FKO's chart
// does, and nothing cluster-wide over namespaced resources: the only cluster-wide rules are
// the metrics endpoint's (TokenReview and SubjectAccessReview, which exist only
// cluster-wide, and the /metrics URL for scrapers), the webhook's (its own
// ValidatingWebhookConfiguration, by name) and reading FlinkProfiles and namespaces
// (cluster-scoped).
func TestChartGrantsPerNamespaceWhenWatchNamespacesIsSet(t *testing.T) {
	objs := renderObjects(t, map[string]any{"watchNamespaces": []any{"team-a", "team-b"}})
	want := generatedRules(t)
	for k, o := range objs {
		if strings.HasPrefix(k, "ClusterRole ") && !onlyMetricsAuthRules(rulesOf(t, o)) {
			t.Errorf("cluster-wide RBAC rendered with watchNamespaces: %s", k)
		}
		if strings.HasPrefix(k, "ClusterRoleBinding ") {
			raw, _ := yaml.Marshal(o)
			var b rbacv1.ClusterRoleBinding
			_ = yaml.Unmarshal(raw, &b)
			if role := objs["ClusterRole /"+b.RoleRef.Name]; role == nil || !onlyMetricsAuthRules(rulesOf(t, role)) {
				t.Errorf("cluster-wide binding rendered with watchNamespaces: %s -> %s", k, b.RoleRef.Name)
			}
		}
	}
	for _, ns := range []string{"team-a", "team-b"} {
		role := objs["Role "+ns+"/weir-weir-operator"]
		rb := objs["RoleBinding "+ns+"/weir-weir-operator"]
		if role == nil || rb == nil {
			t.Errorf("%s: Role %v, RoleBinding %v; objects: %v", ns, role != nil, rb != nil, slices.Sorted(maps.Keys(objs)))
			continue
		}
		if got := rulesOf(t, role); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Role rules differ from files/role.yaml", ns)
		}
		raw, _ := yaml.Marshal(rb)
		var b rbacv1.RoleBinding
		_ = yaml.Unmarshal(raw, &b)
		if b.RoleRef.Kind != "Role" || b.RoleRef.Name != "weir-weir-operator" || len(b.Subjects) != 1 ||
			b.Subjects[0].Name != "weir-operator" || b.Subjects[0].Namespace != "weir-system" {
			t.Errorf("%s: RoleBinding %+v", ns, b)
		}
		checkFlinkServiceAccount(t, objs, ns)
	}
	if objs["Role weir-system/weir-weir-operator"] != nil {
		t.Error("the operator's namespace is not watched, yet got its rules")
	}
}

// The chart's defaultConfiguration becomes the flink-operator-config ConfigMap (weir's
// defaults first unless append is false), mounted where --config-dir points.
func TestChartRendersTheOperatorConfig(t *testing.T) {
	render := func(values map[string]any) (cm *corev1.ConfigMap, dep *appsv1.Deployment) {
		t.Helper()
		out := renderRaw(t, values)
		dep = &appsv1.Deployment{}
		for name, text := range out {
			switch {
			case strings.HasSuffix(name, "deployment.yaml"):
				if err := yaml.Unmarshal([]byte(text), dep); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			case strings.HasSuffix(name, "operator-config.yaml") && strings.TrimSpace(text) != "":
				cm = &corev1.ConfigMap{}
				if err := yaml.Unmarshal([]byte(text), cm); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, text)
				}
			}
		}
		return cm, dep
	}
	cm, dep := render(map[string]any{"defaultConfiguration": map[string]any{
		"flink-conf.yaml": "kubernetes.operator.reconcile.interval: 30 s\ntaskmanager.numberOfTaskSlots: 4\n",
		"config.yaml":     "kubernetes:\n  operator:\n    label.selector: team=a\n",
	}})
	if cm == nil || cm.Name != "flink-operator-config" || cm.Namespace != "weir-system" {
		t.Fatalf("no flink-operator-config ConfigMap: %+v", cm)
	}
	conf := cm.Data["flink-conf.yaml"]
	weirDefault := strings.Index(conf, "kubernetes.operator.reconcile.parallelism: 10")
	user := strings.Index(conf, "kubernetes.operator.reconcile.interval: 30 s")
	if weirDefault < 0 || user < weirDefault || !strings.Contains(conf, "taskmanager.numberOfTaskSlots: 4") {
		t.Errorf("flink-conf.yaml (weir's defaults, then the values'):\n%s", conf)
	}
	if !strings.Contains(cm.Data["config.yaml"], "label.selector: team=a") {
		t.Errorf("config.yaml:\n%s", cm.Data["config.yaml"])
	}
	// What the operator reads from the mounted files: the values' lines win.
	files := map[string][]byte{}
	for k, v := range cm.Data {
		files[k] = []byte(v)
	}
	flat, err := opconfig.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if flat[opconfig.ReconcileInterval] != "30 s" || flat[opconfig.ReconcileParallelism] != "10" || flat[opconfig.LabelSelector] != "team=a" {
		t.Errorf("the operator reads %v", flat)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	var arg, mount, volume bool
	for _, a := range c.Args {
		arg = arg || a == "--config-dir=/opt/weir/conf"
	}
	for _, m := range c.VolumeMounts {
		mount = mount || (m.Name == "operator-config" && m.MountPath == "/opt/weir/conf" && m.ReadOnly)
	}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		volume = volume || (v.ConfigMap != nil && v.ConfigMap.Name == "flink-operator-config")
	}
	if !arg || !mount || !volume {
		t.Errorf("config not mounted at --config-dir: args %v mounts %+v", c.Args, c.VolumeMounts)
	}

	cm, _ = render(map[string]any{"defaultConfiguration": map[string]any{"append": false, "flink-conf.yaml": "a: b\n"}})
	if cm == nil || strings.Contains(cm.Data["flink-conf.yaml"], "parallelism") || !strings.Contains(cm.Data["flink-conf.yaml"], "a: b") {
		t.Errorf("append=false:\n%+v", cm)
	}
	if cm, _ = render(map[string]any{"defaultConfiguration": map[string]any{"create": false}}); cm != nil {
		t.Errorf("create=false rendered %+v", cm)
	}
}

// onlyMetricsAuthRules says whether rules grant nothing but what an authenticated /metrics
// needs: creating TokenReviews and SubjectAccessReviews, or reading the /metrics URL.
func onlyMetricsAuthRules(rules []rbacv1.PolicyRule) bool {
	for _, r := range rules {
		switch {
		case len(r.NonResourceURLs) > 0:
			if !slices.Equal(r.NonResourceURLs, []string{"/metrics"}) || !slices.Equal(r.Verbs, []string{"get"}) {
				return false
			}
		case slices.Equal(r.Resources, []string{"validatingwebhookconfigurations"}) && len(r.ResourceNames) > 0:
			// The webhook's own configuration, by name: the operator fills its caBundle.
		case slices.Equal(r.Resources, []string{"flinkprofiles"}) && slices.Equal(r.APIGroups, []string{"weir.dev"}) &&
			slices.Equal(r.Verbs, []string{"get", "list", "watch"}):
			// FlinkProfiles are cluster-scoped, read only.
		case slices.Equal(r.Resources, []string{"flinkprofiles/status"}) && slices.Equal(r.APIGroups, []string{"weir.dev"}):
			// Their status, where the operator says whether they are valid.
		case slices.Equal(r.Resources, []string{"namespaces"}) && slices.Equal(r.Verbs, []string{"get", "list"}):
			// A namespace's labels, and the namespaces a profile selects by label.
		case slices.Equal(r.Verbs, []string{"create"}):
			for _, res := range r.Resources {
				if res != "tokenreviews" && res != "subjectaccessreviews" {
					return false
				}
			}
		default:
			return false
		}
	}
	return len(rules) > 0
}
