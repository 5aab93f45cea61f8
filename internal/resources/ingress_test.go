package resources

import (
	"testing"
)

func TestIngress(t *testing.T) {
	cases := []struct {
		template, host, path string
	}{
		{"{{name}}.{{namespace}}.flink.k8s.io", "basic.flink.flink.k8s.io", ""},
		{"flink.k8s.io/{{namespace}}/{{name}}(/|$)(.*)", "flink.k8s.io", "/flink/basic(/|$)(.*)"},
		{"/{{namespace}}/{{name}}(/|$)(.*)", "", "/flink/basic(/|$)(.*)"},
		{"https://{{NAME}}.example.com:8443/ui?x=1", "basic.example.com", "/ui"},
	}
	for _, tc := range cases {
		m := `
spec:
  flinkVersion: v1_20
  serviceAccount: flink
  ingress:
    template: "` + tc.template + `"
    className: nginx
    annotations: {nginx.ingress.kubernetes.io/rewrite-target: "/$2"}
    labels: {exposed: "true"}
    tls: [{hosts: [a.example.com], secretName: tls}]
`
		s := build(t, m, nil, "")
		ing := s.Ingress
		if ing == nil {
			t.Fatalf("%s: no ingress", tc.template)
		}
		r := ing.Spec.Rules[0]
		if r.Host != tc.host || r.HTTP.Paths[0].Path != tc.path {
			t.Errorf("%s: host %q path %q, want %q %q", tc.template, r.Host, r.HTTP.Paths[0].Path, tc.host, tc.path)
		}
		b := r.HTTP.Paths[0].Backend.Service
		if b.Name != "basic-rest" || b.Port.Number != 8081 {
			t.Errorf("backend = %+v", b)
		}
		if *ing.Spec.IngressClassName != "nginx" || ing.Annotations["nginx.ingress.kubernetes.io/rewrite-target"] != "/$2" ||
			ing.Labels["exposed"] != "true" || ing.Labels["component"] != "ingress" || ing.Spec.TLS[0].SecretName != "tls" || ing.Name != "basic" {
			t.Errorf("ingress = %+v", ing)
		}
	}
	for _, bad := range []string{"", "ftp://x/y", "bad_host!/x", "{{name}}.example.com:abc"} {
		if _, _, err := IngressURL(bad, "basic", "flink"); err == nil {
			t.Errorf("IngressURL(%q) must fail", bad)
		}
	}
}
