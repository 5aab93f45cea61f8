package resources

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
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

// FlinkServiceAccountLabel marks a ServiceAccount the operator may bind the Flink Role to.
// The chart puts it on the flink ServiceAccount it creates; a namespace admin puts it on
// any other one meant for Flink.
const FlinkServiceAccountLabel = "flink.apache.org/flink-service-account"

// legacyManagedBy is the label the operator put on the service accounts it created before
// it stopped creating them; those already carry the Flink Role.
const legacyManagedBy = "app.kubernetes.io/managed-by"

// CheckFlinkServiceAccount says whether the Flink Role may be bound to sa (nil when it does
// not exist). The operator binds a Role that creates pods and edits ConfigMaps; binding it
// to any account a FlinkDeployment names would let a user who may only create
// FlinkDeployments hand those rights to `default` (every pod of the namespace) or to an
// account made for something else. So only accounts someone allowed to manage service
// accounts marked for Flink qualify, and never `default`.
func CheckFlinkServiceAccount(namespace, name string, sa *corev1.ServiceAccount) error {
	howto := fmt.Sprintf("use the flink ServiceAccount the chart creates, or have a namespace admin create one labelled %s=true", FlinkServiceAccountLabel)
	switch {
	case name == "default":
		return fmt.Errorf("spec.serviceAccount %q is every pod's account in namespace %s; the operator does not grant the Flink role to it: %s", name, namespace, howto)
	case sa == nil:
		return fmt.Errorf("ServiceAccount %q does not exist in namespace %s, and the operator creates service accounts only from the template of a FlinkProfile that selects the namespace: %s", name, namespace, howto)
	case sa.Labels[FlinkServiceAccountLabel] == "true", sa.Labels[legacyManagedBy] == "weir":
		return nil
	}
	return fmt.Errorf("ServiceAccount %q in namespace %s is not labelled %s=true, so the operator does not grant the Flink role to it: %s", name, namespace, FlinkServiceAccountLabel, howto)
}
