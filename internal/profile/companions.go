package profile

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/resources"
)

// Labels of the objects a profile makes weir create (docs/profiles.md, "Companion objects").
const (
	labelManagedBy = "app.kubernetes.io/managed-by"
	managedByWeir  = "weir"
)

// AppCompanions are the objects a profile adds beside an app's cluster. A nil field is
// one the profile does not ask for (an existing one is deleted).
type AppCompanions struct {
	ServiceAccount      *corev1.ServiceAccount
	PodDisruptionBudget *policyv1.PodDisruptionBudget
	NetworkPolicy       *networkingv1.NetworkPolicy
	// PodMonitor is the Prometheus Operator's, unstructured: weir does not depend on its API.
	PodMonitor *unstructured.Unstructured
}

// PodMonitorGVK is the Prometheus Operator's PodMonitor kind.
var PodMonitorGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PodMonitor"}

// CompanionNames are the names of an app's companions: the ServiceAccount's comes from the
// profile's template, the others from the app's name (the PodMonitor's is the app's too).
func CompanionNames(app string) (pdb, networkPolicy string) {
	return app + "-taskmanager", app
}

// Companions builds the per-app objects of profile p (nil: none) for app: its
// ServiceAccount (name and annotations rendered, labelled so that weir binds the Flink Role
// to it), the TaskManagers' PodDisruptionBudget and the NetworkPolicy of the app's pods.
// All are owned by the app, so they go with it.
func Companions(p *weirv1alpha1.FlinkProfile, app *v1beta1.FlinkDeployment) AppCompanions {
	var out AppCompanions
	if p == nil {
		return out
	}
	ns, name := app.Namespace, app.Name
	meta := func(objName string, extra map[string]string) metav1.ObjectMeta {
		l := map[string]string{resources.LabelApp: name, weirv1alpha1.ProfileLabel: p.Name, labelManagedBy: managedByWeir}
		for k, v := range extra {
			l[k] = v
		}
		return metav1.ObjectMeta{Name: objName, Namespace: ns, Labels: l, OwnerReferences: resources.OwnerReferences(app)}
	}
	if sa := p.Spec.ServiceAccount; sa != nil {
		m := meta(render(sa.NameTemplate, ns, name), map[string]string{resources.FlinkServiceAccountLabel: "true"})
		m.Annotations = renderMap(sa.Annotations, ns, name)
		out.ServiceAccount = &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: m}
	}
	pdbName, npName := CompanionNames(name)
	if b := p.Spec.PodDisruptionBudget; b != nil {
		out.PodDisruptionBudget = &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: meta(pdbName, nil),
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: copyIntOrString(b.MinAvailable), MaxUnavailable: copyIntOrString(b.MaxUnavailable),
				// Both modes label TaskManager pods app=<name>, component=taskmanager.
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{
					resources.LabelApp: name, resources.LabelComponent: resources.ComponentTaskManager}},
			},
		}
	}
	if np := p.Spec.NetworkPolicy; np != nil {
		spec := *np.DeepCopy()
		// The policy is the app's: it selects its pods whatever the profile wrote there.
		spec.PodSelector = metav1.LabelSelector{MatchLabels: map[string]string{resources.LabelApp: name}}
		out.NetworkPolicy = &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta(npName, nil),
			Spec:       spec,
		}
	}
	if m := p.Spec.Metrics; m != nil && m.PodMonitor && m.Reporter == "prometheus" {
		out.PodMonitor = podMonitor(meta(npName, nil), name)
	}
	return out
}

func copyIntOrString(v *intstr.IntOrString) *intstr.IntOrString {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// NamespaceCompanionName is the name of the ResourceQuota and the LimitRange profile p
// puts in each namespace it selects.
func NamespaceCompanionName(p string) string { return "weir-" + p }

// NamespaceCompanions builds the ResourceQuota and LimitRange of profile p for namespace
// ns (nil when the profile has none). They are owned by the cluster-scoped profile
// (Kubernetes allows a namespaced dependent of a cluster-scoped owner), so deleting the
// profile deletes them.
func NamespaceCompanions(p *weirv1alpha1.FlinkProfile, ns string) (*corev1.ResourceQuota, *corev1.LimitRange) {
	yes := true
	meta := metav1.ObjectMeta{
		Name: NamespaceCompanionName(p.Name), Namespace: ns,
		Labels: map[string]string{weirv1alpha1.ProfileLabel: p.Name, labelManagedBy: managedByWeir},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: weirv1alpha1.GroupVersion.String(), Kind: "FlinkProfile",
			Name: p.Name, UID: p.UID, Controller: &yes}},
	}
	var q *corev1.ResourceQuota
	if p.Spec.ResourceQuota != nil {
		q = &corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
			ObjectMeta: *meta.DeepCopy(), Spec: *p.Spec.ResourceQuota.DeepCopy()}
	}
	var lr *corev1.LimitRange
	if p.Spec.LimitRange != nil {
		lr = &corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
			ObjectMeta: *meta.DeepCopy(), Spec: *p.Spec.LimitRange.DeepCopy()}
	}
	return q, lr
}

// SelectsNamespace says whether p's spec.namespaces selects ns by name or label. A profile
// without spec.namespaces applies only by label and selects no namespace.
func SelectsNamespace(p *weirv1alpha1.FlinkProfile, ns *corev1.Namespace) bool {
	return p.Spec.Namespaces != nil && selects(p.Spec.Namespaces, ns)
}

// podMonitor scrapes the named metrics port of every pod of the app, JobManagers and
// TaskManagers of either mode (resources.scrape puts the port there).
func podMonitor(m metav1.ObjectMeta, app string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"selector": map[string]any{
				"matchLabels": map[string]any{resources.LabelApp: app},
				"matchExpressions": []any{map[string]any{"key": resources.LabelType, "operator": "In",
					"values": []any{resources.TypeNative, resources.TypeStandalone}}},
			},
			"podMetricsEndpoints": []any{map[string]any{
				"port": resources.MetricsPortName,
				"path": "/metrics",
				"relabelings": []any{
					map[string]any{"sourceLabels": []any{"__meta_kubernetes_pod_label_app"}, "targetLabel": "app"},
					map[string]any{"sourceLabels": []any{"__meta_kubernetes_pod_label_component"}, "targetLabel": "component"},
				},
			}},
		},
	}}
	u.SetGroupVersionKind(PodMonitorGVK)
	u.SetName(m.Name)
	u.SetNamespace(m.Namespace)
	u.SetLabels(m.Labels)
	u.SetOwnerReferences(m.OwnerReferences)
	return u
}
