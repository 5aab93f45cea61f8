package resources

import (
	"fmt"
	"regexp"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"weir.dev/weir/internal/flinkconf"
)

var (
	namePattern      = regexp.MustCompile(`(?i)\{\{name\}\}`)
	namespacePattern = regexp.MustCompile(`(?i)\{\{namespace\}\}`)
	schemePattern    = regexp.MustCompile(`(?i)^https?://`)
)

// IngressURL is the host and path of an ingress template after substituting {{name}} and
// {{namespace}}, read the way FKO reads it (as a URL, with http:// added when missing):
// "{{name}}.example.com" gives a host rule, "example.com/{{namespace}}/{{name}}(/|$)(.*)"
// a host and a path, "/{{name}}" only a path.
func IngressURL(template, name, namespace string) (host, path string, err error) {
	if strings.TrimSpace(template) == "" {
		return "", "", fmt.Errorf("spec.ingress.template must be set, e.g. \"{{name}}.{{namespace}}.example.com\" or \"example.com/{{namespace}}/{{name}}(/|$)(.*)\"")
	}
	t := namePattern.ReplaceAllLiteralString(template, name)
	t = namespacePattern.ReplaceAllLiteralString(t, namespace)
	t = schemePattern.ReplaceAllString(t, "")
	if strings.Contains(t, "://") {
		return "", "", fmt.Errorf("ingress template %q: only http:// and https:// may precede the host", template)
	}
	hostPart, rest, hasPath := strings.Cut(t, "/")
	if hasPath {
		path = "/" + rest
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
	} else if i := strings.IndexAny(hostPart, "?#"); i >= 0 {
		hostPart = hostPart[:i]
	}
	if i := strings.LastIndex(hostPart, "@"); i >= 0 {
		hostPart = hostPart[i+1:]
	}
	if h, port, ok := strings.Cut(hostPart, ":"); ok {
		for _, r := range port {
			if r < '0' || r > '9' {
				return "", "", fmt.Errorf("ingress template %q: %q is not a port", template, port)
			}
		}
		hostPart = h
	}
	host = hostPart
	if host != "" {
		if errs := validation.IsWildcardDNS1123Subdomain(host); len(errs) > 0 && len(validation.IsDNS1123Subdomain(host)) > 0 {
			return "", "", fmt.Errorf("ingress template %q gives host %q, which is not a valid DNS name: %s", template, host, strings.Join(validation.IsDNS1123Subdomain(host), "; "))
		}
	}
	if strings.ContainsAny(path, " \t\n") {
		return "", "", fmt.Errorf("ingress template %q gives path %q, which contains white space", template, path)
	}
	if host == "" && path == "" {
		return "", "", fmt.Errorf("ingress template %q gives neither a host nor a path", template)
	}
	return host, path, nil
}

// ingress builds the Ingress of spec.ingress, routing to the rest Service.
func (c *cluster) ingress() (*networkingv1.Ingress, error) {
	in := c.spec.Ingress
	host, path, err := IngressURL(in.Template, c.d.Name, c.d.Namespace)
	if err != nil {
		return nil, err
	}
	labels := merged(in.Labels, map[string]string{LabelApp: c.d.Name, LabelComponent: ComponentIngress})
	meta := objectMeta(c.d, c.names.Ingress, labels)
	meta.Annotations = merged(in.Annotations)
	pathType := networkingv1.PathTypeImplementationSpecific
	rule := networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &pathType, Backend: networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: c.names.RestService,
				Port: networkingv1.ServiceBackendPort{Number: flinkconf.RestPort}}}}}}}}
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{rule},
			TLS:   append([]networkingv1.IngressTLS(nil), in.TLS...),
		},
	}
	if in.ClassName != "" {
		cls := in.ClassName
		ing.Spec.IngressClassName = &cls
	}
	return ing, nil
}
