package resources

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// all verbs Flink uses on the objects it manages itself.
var manageVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// rbac gives the app's service account what Flink needs: native JobManagers create and
// delete TaskManager pods (owned by the JobManager Deployment) and Kubernetes HA keeps
// leader and checkpoint state in ConfigMaps.
func (c *cluster) rbac() (*rbacv1.Role, *rbacv1.RoleBinding) {
	sa := c.serviceAccount()
	if sa == "" {
		return nil, nil
	}
	labels := CommonLabels(c.d.Name, c.mode)
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: objectMeta(c.d, c.names.Role, labels),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "configmaps"}, Verbs: manageVerbs},
			{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
			// Setting blockOwnerDeletion on TaskManager pods needs update on the owner's finalizers.
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/finalizers"}, Verbs: []string{"update"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: manageVerbs},
		},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: objectMeta(c.d, c.names.RoleBinding, labels),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: c.names.Role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: c.d.Namespace}},
	}
	return role, binding
}
