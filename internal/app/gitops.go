package app

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// What marks an object as managed by ArgoCD: its tracking annotation (tracking by
// annotation), its instance label (tracking by label, ArgoCD's default), or a field
// manager of its controller in managedFields.
const (
	argoTrackingAnnotation = "argocd.argoproj.io/tracking-id"
	argoInstanceLabel      = "app.kubernetes.io/instance"
	argoFieldManager       = "argocd-controller"
)

// ManagedByGitOps says what marks obj as managed by GitOps, "" when nothing does.
func ManagedByGitOps(obj metav1.Object) string {
	if v := obj.GetAnnotations()[argoTrackingAnnotation]; v != "" {
		return fmt.Sprintf("annotation %s=%s", argoTrackingAnnotation, v)
	}
	if v := obj.GetLabels()[argoInstanceLabel]; v != "" {
		return fmt.Sprintf("label %s=%s", argoInstanceLabel, v)
	}
	for _, mf := range obj.GetManagedFields() {
		if strings.HasPrefix(mf.Manager, argoFieldManager) {
			return fmt.Sprintf("field manager %s", mf.Manager)
		}
	}
	return ""
}

// GuardGitOps refuses to edit the spec of an app that GitOps manages, unless force: the
// edit would drift from git, and ArgoCD's self-heal would revert it. Every verb that
// edits a spec calls it before writing.
func GuardGitOps(a App, verb string, force bool) error {
	why := ManagedByGitOps(a.Obj)
	if why == "" || force {
		return nil
	}
	return fmt.Errorf("%s is managed by GitOps (%s): %s would edit its spec, which then drifts from git, "+
		"and ArgoCD's self-heal reverts it.\nMake the change in git instead; or, to edit the live object anyway "+
		"(say with auto-sync off during an incident), run it again with --force", a, why, verb)
}

// withChangeToCommit adds to a refusal the edit the verb would have made, as the lines to
// put in the app's manifest in git.
func withChangeToCommit(err error, change map[string]any) error {
	b, yerr := yaml.Marshal(change)
	if yerr != nil {
		return err
	}
	return fmt.Errorf("%w\nThe change to commit in git instead:\n  %s", err,
		strings.ReplaceAll(strings.TrimRight(string(b), "\n"), "\n", "\n  "))
}
