package install

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// renderedChart renders the operator chart with values and decodes the objects the metrics
// tests look at, by kind and name.
type renderedChart struct {
	dep      appsv1.Deployment
	services map[string]corev1.Service
	roles    map[string]rbacv1.ClusterRole
	bindings map[string]rbacv1.ClusterRoleBinding
}

func renderChart(t *testing.T, values map[string]any) renderedChart {
	t.Helper()
	out := renderRaw(t, values)
	r := renderedChart{services: map[string]corev1.Service{}, roles: map[string]rbacv1.ClusterRole{}, bindings: map[string]rbacv1.ClusterRoleBinding{}}
	for name, text := range out {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(text, "\n---") {
			var head struct{ Kind string }
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var into any
			switch head.Kind {
			case "Deployment":
				into = &r.dep
			case "Service":
				into = &corev1.Service{}
			case "ClusterRole":
				into = &rbacv1.ClusterRole{}
			case "ClusterRoleBinding":
				into = &rbacv1.ClusterRoleBinding{}
			default:
				continue
			}
			if err := yaml.Unmarshal([]byte(doc), into); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			switch o := into.(type) {
			case *corev1.Service:
				r.services[o.Name] = *o
			case *rbacv1.ClusterRole:
				r.roles[o.Name] = *o
			case *rbacv1.ClusterRoleBinding:
				r.bindings[o.Name] = *o
			}
		}
	}
	return r
}

// /metrics is HTTPS with API-server authentication by default: the operator may create
// TokenReviews and SubjectAccessReviews, scrapers get a role for /metrics, and the Service
// and annotations say https. The probes stay plain HTTP for the kubelet.
func TestChartServesMetricsSecurely(t *testing.T) {
	r := renderChart(t, map[string]any{})
	c := r.dep.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--metrics-bind-address=:8443") || slices.ContainsFunc(c.Args, func(a string) bool {
		return strings.HasPrefix(a, "--metrics-insecure") || strings.HasPrefix(a, "--metrics-cert-dir")
	}) {
		t.Errorf("operator args %v", c.Args)
	}
	if a := r.dep.Spec.Template.Annotations; a["prometheus.io/scheme"] != "https" || a["prometheus.io/port"] != "8443" {
		t.Errorf("pod annotations %v", a)
	}
	if p := c.LivenessProbe.HTTPGet; p == nil || p.Port.String() != "probes" || p.Scheme == corev1.URISchemeHTTPS {
		t.Errorf("liveness probe %+v", c.LivenessProbe)
	}
	svc, ok := r.services["weir-operator-metrics"]
	if !ok || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || svc.Spec.Ports[0].TargetPort.String() != "https-metrics" ||
		svc.Annotations["prometheus.io/scheme"] != "https" {
		t.Errorf("metrics Service %+v", svc)
	}
	auth := r.roles["weir-weir-operator-metrics-auth"]
	want := []rbacv1.PolicyRule{
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
		{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
	}
	if !equalRules(auth.Rules, want) {
		t.Errorf("metrics-auth rules %+v", auth.Rules)
	}
	b := r.bindings["weir-weir-operator-metrics-auth"]
	if b.RoleRef.Name != auth.Name || len(b.Subjects) != 1 || b.Subjects[0].Name != "weir-operator" || b.Subjects[0].Namespace != "weir-system" {
		t.Errorf("metrics-auth binding %+v", b)
	}
	reader := r.roles["weir-metrics-reader"]
	if !equalRules(reader.Rules, []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}) {
		t.Errorf("weir-metrics-reader rules %+v", reader.Rules)
	}
}

func TestChartMountsAMetricsCertificate(t *testing.T) {
	r := renderChart(t, map[string]any{"metrics": map[string]any{"certSecret": "weir-metrics-tls", "readerClusterRole": map[string]any{"create": false}}})
	c := r.dep.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--metrics-cert-dir=/etc/weir/metrics-certs") {
		t.Errorf("args %v", c.Args)
	}
	var mounted, volume bool
	for _, m := range c.VolumeMounts {
		mounted = mounted || (m.Name == "metrics-certs" && m.MountPath == "/etc/weir/metrics-certs")
	}
	for _, v := range r.dep.Spec.Template.Spec.Volumes {
		volume = volume || (v.Secret != nil && v.Secret.SecretName == "weir-metrics-tls")
	}
	if !mounted || !volume {
		t.Errorf("certificate not mounted: %+v %+v", c.VolumeMounts, r.dep.Spec.Template.Spec.Volumes)
	}
	if _, ok := r.roles["weir-metrics-reader"]; ok {
		t.Error("reader ClusterRole rendered with readerClusterRole.create=false")
	}
}

func equalRules(a, b []rbacv1.PolicyRule) bool {
	ja, _ := yaml.Marshal(a)
	jb, _ := yaml.Marshal(b)
	return string(ja) == string(jb)
}
