package profile

import (
	"fmt"
	"regexp"
	"strings"
)

// The only placeholders a profile template may use.
const (
	placeholderNamespace = "{{namespace}}"
	placeholderName      = "{{name}}"
)

var placeholder = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// checkTemplate reports placeholders other than {{namespace}} and {{name}}, and stray braces.
func checkTemplate(field, t string) error {
	for _, p := range placeholder.FindAllString(t, -1) {
		if p != placeholderNamespace && p != placeholderName {
			return fmt.Errorf("%s: unknown placeholder %s (only {{namespace}} and {{name}})", field, p)
		}
	}
	if rest := placeholder.ReplaceAllString(t, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return fmt.Errorf("%s: unbalanced {{ or }} in %q", field, t)
	}
	return nil
}

// render substitutes the app's namespace and name; the template was checked by Validate.
func render(t, namespace, name string) string {
	return strings.NewReplacer(placeholderNamespace, namespace, placeholderName, name).Replace(t)
}

func renderMap(m map[string]string, namespace, name string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = render(v, namespace, name)
	}
	return out
}
