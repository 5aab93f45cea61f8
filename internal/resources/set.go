package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// Input is everything a build needs. Spec is the spec to deploy, which is not always
// Deployment.Spec (after a validation error the operator keeps deploying the last valid
// spec; a rollback deploys the last stable one).
type Input struct {
	Deployment *v1beta1.FlinkDeployment
	Spec       *v1beta1.FlinkDeploymentSpec
	// Conf is the effective Flink configuration computed by flinkconf from Spec.
	Conf flinkconf.Conf
	// Restore, when set, starts the job from this savepoint or checkpoint.
	Restore *Restore
	// JobID is the fixed job id of an application-mode job (32 hex chars); empty lets Flink pick.
	JobID string
}

// Restore names the snapshot a job starts from.
type Restore struct {
	Path                  string
	AllowNonRestoredState bool
}

// Set is every object of one Flink cluster. Nil members are not wanted (for example
// TaskManager in native mode, where Flink creates its own TaskManager pods, or Ingress
// when spec.ingress is unset) and must be deleted if they exist.
type Set struct {
	ConfigMap       *corev1.ConfigMap
	JobManager      *appsv1.Deployment
	TaskManager     *appsv1.Deployment
	RestService     *corev1.Service
	InternalService *corev1.Service
	Ingress         *networkingv1.Ingress
	// QueryableStateService is set when queryable-state.enable is true (Flink 1.x only).
	QueryableStateService *corev1.Service
	// Role and RoleBinding give the app's service account what Flink needs in native mode
	// and for Kubernetes HA (pods, configmaps, services, deployments).
	Role        *rbacv1.Role
	RoleBinding *rbacv1.RoleBinding
}
