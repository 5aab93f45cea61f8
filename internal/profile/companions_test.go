package profile

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

func TestCompanions(t *testing.T) {
	app := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "team-a", UID: "u1"}}
	one := intstr.FromInt32(1)
	tcp := corev1.ProtocolTCP
	for _, tc := range []struct {
		name  string
		p     *weirv1alpha1.FlinkProfile
		check func(t *testing.T, c AppCompanions)
	}{
		{"no profile: nothing", nil, func(t *testing.T, c AppCompanions) {
			if c.ServiceAccount != nil || c.PodDisruptionBudget != nil || c.NetworkPolicy != nil {
				t.Errorf("companions without a profile: %+v", c)
			}
		}},
		{"a profile without companions: nothing", &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "dev"}}, func(t *testing.T, c AppCompanions) {
			if c.ServiceAccount != nil || c.PodDisruptionBudget != nil || c.NetworkPolicy != nil {
				t.Errorf("companions of an empty profile: %+v", c)
			}
		}},
		{"service account: rendered name and annotations, labelled for the Flink role, owned by the app",
			&weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}, Spec: weirv1alpha1.FlinkProfileSpec{
				ServiceAccount: &weirv1alpha1.ServiceAccountTemplate{NameTemplate: "flink-{{name}}",
					Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/{{namespace}}-{{name}}"}}}},
			func(t *testing.T, c AppCompanions) {
				sa := c.ServiceAccount
				if sa == nil || sa.Name != "flink-orders" || sa.Namespace != "team-a" {
					t.Fatalf("service account %+v", sa)
				}
				if got := sa.Annotations["eks.amazonaws.com/role-arn"]; got != "arn:aws:iam::123:role/team-a-orders" {
					t.Errorf("role-arn %q", got)
				}
				if sa.Labels["flink.apache.org/flink-service-account"] != "true" || sa.Labels["app.kubernetes.io/managed-by"] != "weir" ||
					sa.Labels[weirv1alpha1.ProfileLabel] != "prod" {
					t.Errorf("labels %v", sa.Labels)
				}
				if !metav1.IsControlledBy(sa, app) {
					t.Errorf("owners %v", sa.OwnerReferences)
				}
			}},
		{"PDB of the TaskManagers",
			&weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}, Spec: weirv1alpha1.FlinkProfileSpec{
				PodDisruptionBudget: &weirv1alpha1.PodDisruptionBudgetTemplate{MaxUnavailable: &one}}},
			func(t *testing.T, c AppCompanions) {
				b := c.PodDisruptionBudget
				if b == nil || b.Name != "orders-taskmanager" || b.Spec.MaxUnavailable.IntValue() != 1 || b.Spec.MinAvailable != nil {
					t.Fatalf("pdb %+v", b)
				}
				if m := b.Spec.Selector.MatchLabels; len(m) != 2 || m["app"] != "orders" || m["component"] != "taskmanager" {
					t.Errorf("selector %v", m)
				}
				if !metav1.IsControlledBy(b, app) {
					t.Errorf("owners %v", b.OwnerReferences)
				}
			}},
		{"NetworkPolicy: the profile's rules, the app's pods",
			&weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}, Spec: weirv1alpha1.FlinkProfileSpec{
				NetworkPolicy: &networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"anything": "else"}},
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
					Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp}}}},
				}}},
			func(t *testing.T, c AppCompanions) {
				np := c.NetworkPolicy
				if np == nil || np.Name != "orders" || len(np.Spec.Ingress) != 1 {
					t.Fatalf("network policy %+v", np)
				}
				if m := np.Spec.PodSelector.MatchLabels; len(m) != 1 || m["app"] != "orders" {
					t.Errorf("podSelector %v", m)
				}
			}},
		{"PodMonitor of the app's metrics port, only with the Prometheus reporter",
			&weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}, Spec: weirv1alpha1.FlinkProfileSpec{
				Metrics: &weirv1alpha1.MetricsSpec{Reporter: "prometheus", PodMonitor: true}}},
			func(t *testing.T, c AppCompanions) {
				pm := c.PodMonitor
				if pm == nil || pm.GetName() != "orders" || pm.GetNamespace() != "team-a" || pm.GroupVersionKind() != PodMonitorGVK {
					t.Fatalf("pod monitor %+v", pm)
				}
				ep, _, _ := unstructured.NestedSlice(pm.Object, "spec", "podMetricsEndpoints")
				sel, _, _ := unstructured.NestedStringMap(pm.Object, "spec", "selector", "matchLabels")
				if len(ep) != 1 || ep[0].(map[string]any)["port"] != "metrics" || ep[0].(map[string]any)["path"] != "/metrics" || sel["app"] != "orders" {
					t.Errorf("pod monitor spec %v", pm.Object["spec"])
				}
				if !metav1.IsControlledBy(pm, app) || pm.GetLabels()["app.kubernetes.io/managed-by"] != "weir" {
					t.Errorf("owners %v labels %v", pm.GetOwnerReferences(), pm.GetLabels())
				}
				if c.PodDisruptionBudget != nil || c.NetworkPolicy != nil {
					t.Errorf("companions not asked for: %+v", c)
				}
			}},
		{"no PodMonitor without podMonitor", &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}, Spec: weirv1alpha1.FlinkProfileSpec{
			Metrics: &weirv1alpha1.MetricsSpec{Reporter: "prometheus"}}},
			func(t *testing.T, c AppCompanions) {
				if c.PodMonitor != nil {
					t.Errorf("pod monitor %+v", c.PodMonitor)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.p.DeepCopy()
			tc.check(t, Companions(tc.p, app))
			if !equality.Semantic.DeepEqual(before, tc.p) {
				t.Error("the profile was modified")
			}
		})
	}
}

func TestNamespaceCompanions(t *testing.T) {
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod", UID: "p1"}}
	if q, lr := NamespaceCompanions(p, "team-a"); q != nil || lr != nil {
		t.Errorf("a profile without quota or limits: %v %v", q, lr)
	}
	p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("8")}}
	q, lr := NamespaceCompanions(p, "team-a")
	if q == nil || lr != nil || q.Name != "weir-prod" || q.Namespace != "team-a" || !equality.Semantic.DeepEqual(q.Spec, *p.Spec.ResourceQuota) {
		t.Fatalf("quota %+v, limit range %+v", q, lr)
	}
	if !metav1.IsControlledBy(q, p) || q.OwnerReferences[0].Kind != "FlinkProfile" || q.OwnerReferences[0].APIVersion != "weir.dev/v1alpha1" {
		t.Errorf("owners %v", q.OwnerReferences)
	}
	p.Spec.LimitRange = &corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer}}}
	if _, lr = NamespaceCompanions(p, "team-a"); lr == nil || lr.Name != "weir-prod" || len(lr.Spec.Limits) != 1 || lr.Labels[weirv1alpha1.ProfileLabel] != "prod" {
		t.Errorf("limit range %+v", lr)
	}
}

func TestSelectsNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"tier": "prod"}}}
	for _, tc := range []struct {
		sel  *weirv1alpha1.NamespaceSelection
		want bool
	}{
		{nil, false}, // label-only profiles select no namespace
		{&weirv1alpha1.NamespaceSelection{Names: []string{"team-a"}}, true},
		{&weirv1alpha1.NamespaceSelection{Names: []string{"team-b"}}, false},
		{&weirv1alpha1.NamespaceSelection{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "prod"}}}, true},
		{&weirv1alpha1.NamespaceSelection{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "dev"}}}, false},
	} {
		p := &weirv1alpha1.FlinkProfile{Spec: weirv1alpha1.FlinkProfileSpec{Namespaces: tc.sel}}
		if got := SelectsNamespace(p, ns); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.sel, got, tc.want)
		}
	}
}
