package controller

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

type wantedObject struct {
	obj  client.Object
	want bool
}

// orderedObjects lists a Set in apply order (RBAC and config before the pods that use
// them). Objects the set leaves nil come back as placeholders to delete, named the way the
// builder names them. A suspended job keeps config and services but no pods.
func orderedObjects(dep *v1beta1.FlinkDeployment, s *resources.Set, suspended bool) []wantedObject {
	n := resources.Names(dep.Name)
	ns := dep.Namespace
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
	out := []wantedObject{
		{s.Role, s.Role != nil},
		{s.RoleBinding, s.RoleBinding != nil},
		{s.ConfigMap, true},
		{s.InternalService, true},
		{s.RestService, true},
	}
	if s.Role == nil {
		out[0].obj = &rbacv1.Role{ObjectMeta: meta(n.Role)}
	}
	if s.RoleBinding == nil {
		out[1].obj = &rbacv1.RoleBinding{ObjectMeta: meta(n.RoleBinding)}
	}
	ing := wantedObject{s.Ingress, s.Ingress != nil}
	if s.Ingress == nil {
		ing.obj = &networkingv1.Ingress{ObjectMeta: meta(n.Ingress)}
	}
	qs := wantedObject{s.QueryableStateService, s.QueryableStateService != nil}
	if s.QueryableStateService == nil {
		qs.obj = &corev1.Service{ObjectMeta: meta(n.QueryableStateService)}
	}
	jm := wantedObject{s.JobManager, !suspended}
	tm := wantedObject{s.TaskManager, s.TaskManager != nil && !suspended}
	if s.TaskManager == nil {
		tm.obj = &appsv1.Deployment{ObjectMeta: meta(n.TaskManager)}
	}
	return append(out, ing, qs, jm, tm)
}
