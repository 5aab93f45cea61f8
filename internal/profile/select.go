package profile

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"weir.dev/weir/api/weirv1alpha1"
)

// Select returns the profile an app in namespace ns runs under, or nil when none applies
// (the app then runs as written). The app's weir.dev/profile label wins; without it, the one
// profile whose spec.namespaces selects ns applies. A profile without spec.namespaces
// selects no namespace but admits every one, so it applies only by label; a label may not
// name a profile whose spec.namespaces leaves ns out: a dev namespace cannot borrow the prod
// profile's service account role.
func Select(profiles []weirv1alpha1.FlinkProfile, ns *corev1.Namespace, appLabels map[string]string) (*weirv1alpha1.FlinkProfile, error) {
	if want := appLabels[weirv1alpha1.ProfileLabel]; want != "" {
		for i := range profiles {
			p := &profiles[i]
			if p.Name != want {
				continue
			}
			if p.Spec.Namespaces != nil && !selects(p.Spec.Namespaces, ns) {
				return nil, fmt.Errorf("label %s=%s: FlinkProfile %q does not admit namespace %q (see its spec.namespaces)",
					weirv1alpha1.ProfileLabel, want, want, ns.Name)
			}
			return p, nil
		}
		return nil, fmt.Errorf("label %s=%s: FlinkProfile %q does not exist", weirv1alpha1.ProfileLabel, want, want)
	}
	var matched []*weirv1alpha1.FlinkProfile
	for i := range profiles {
		if n := profiles[i].Spec.Namespaces; n != nil && selects(n, ns) {
			matched = append(matched, &profiles[i])
		}
	}
	switch len(matched) {
	case 0:
		return nil, nil
	case 1:
		return matched[0], nil
	}
	names := make([]string, len(matched))
	for i, p := range matched {
		names[i] = p.Name
	}
	sort.Strings(names)
	return nil, fmt.Errorf("FlinkProfiles %s all select namespace %q: label the app %s=<one of them>",
		strings.Join(names, ", "), ns.Name, weirv1alpha1.ProfileLabel)
}

// selects says whether n lists ns or its selector matches ns's labels. An invalid selector
// selects nothing (Validate reports it on the profile).
func selects(n *weirv1alpha1.NamespaceSelection, ns *corev1.Namespace) bool {
	for _, name := range n.Names {
		if name == ns.Name {
			return true
		}
	}
	if n.Selector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(n.Selector)
	return err == nil && sel.Matches(labels.Set(ns.Labels))
}
