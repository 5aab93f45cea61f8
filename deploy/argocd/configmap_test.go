package argocd

import (
	"flag"
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite argocd-cm-health.yaml from the scripts")

// The argocd-cm entries hold exactly the scripts the tests run.
func TestConfigMapHoldsTheScripts(t *testing.T) {
	want, err := ConfigMapPatch()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("argocd-cm-health.yaml", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("argocd-cm-health.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal(`argocd-cm-health.yaml is not what the scripts give: run "go test ./deploy/argocd/ -update"`)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict(got, &cm); err != nil {
		t.Fatal(err)
	}
	for kind, group := range groups {
		script, _ := Script(kind)
		if cm.Data["resource.customizations.health."+group+"_"+kind] != script {
			t.Errorf("%s: the ConfigMap's script differs from health/%s", kind, Kinds[kind])
		}
	}
}
