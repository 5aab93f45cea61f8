package argocd

import (
	"fmt"
	"sort"
	"strings"
)

// groups are the API groups of the kinds with a health script.
var groups = map[string]string{
	"FlinkDeployment":    "flink.apache.org",
	"FlinkSessionJob":    "flink.apache.org",
	"FlinkStateSnapshot": "flink.apache.org",
	"FlinkProfile":       "weir.dev",
}

// ConfigMapPatch renders argocd-cm-health.yaml: the argocd-cm entries
// (resource.customizations.health.<group>_<kind>) that install every health script.
func ConfigMapPatch() (string, error) {
	kinds := make([]string, 0, len(Kinds))
	for k := range Kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	b.WriteString(`# Generated from deploy/argocd/health/*.lua by "go test ./deploy/argocd/ -update"; edit the
# scripts, not this file. Merge it into ArgoCD's argocd-cm ConfigMap (e.g. with
# kubectl patch -n argocd configmap argocd-cm --patch-file argocd-cm-health.yaml, or the
# argo-cd Helm chart's configs.cm values) so ArgoCD reads weir's status.
data:
`)
	for _, k := range kinds {
		script, err := Script(k)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  resource.customizations.health.%s_%s: |\n", groups[k], k)
		for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("    " + line + "\n")
		}
	}
	return b.String(), nil
}
