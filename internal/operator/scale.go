package operator

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"weir.dev/weir/internal/resources"
)

// Defaults of the options that let one operator serve thousands of deployments.
const (
	// DefaultKubeAPIQPS and DefaultKubeAPIBurst replace client-go's 20/30, which would
	// take minutes to create the objects of a thousand apps; the API server's own priority
	// and fairness still protects it.
	DefaultKubeAPIQPS   = 200
	DefaultKubeAPIBurst = 400
)

// controllerOptions are the per-controller options every weir controller gets; a zero
// parallelism leaves it to the operator config (kubernetes.operator.reconcile.parallelism).
func (o Options) controllerOptions() controller.Options {
	return controller.Options{MaxConcurrentReconciles: o.ReconcileParallelism}
}

// withClientRate returns cfg with the operator's client-side rate limit.
func (o Options) withClientRate(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = float32(o.KubeAPIQPS), o.KubeAPIBurst
	if cfg.QPS <= 0 {
		cfg.QPS = DefaultKubeAPIQPS
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultKubeAPIBurst
	}
	return cfg
}

// leanCache keeps the informer caches small: the kinds weir owns are cached only when they
// carry the labels weir (or Flink, for its HA ConfigMaps and native TaskManager pods) puts
// on them, and managedFields, often the larger half of an object, are dropped.
func leanCache(c *cache.Options) {
	c.DefaultTransform = cache.TransformStripManagedFields()
	// Every object of a cluster has type=flink-{native,standalone}-kubernetes; Flink's own
	// HA ConfigMaps and TaskManager pods have type=flink-native-kubernetes.
	byType := cache.ByObject{Label: labels.NewSelector().Add(mustRequirement(resources.LabelType,
		selection.In, []string{resources.TypeNative, resources.TypeStandalone}))}
	// The Ingress has app and component=ingress, no type.
	ingress := cache.ByObject{Label: labels.NewSelector().
		Add(mustRequirement(resources.LabelApp, selection.Exists, nil)).
		Add(mustRequirement(resources.LabelComponent, selection.Equals, []string{resources.ComponentIngress}))}
	if c.ByObject == nil {
		c.ByObject = map[client.Object]cache.ByObject{}
	}
	for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{},
		&corev1.Pod{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}} {
		c.ByObject[obj] = byType
	}
	c.ByObject[&networkingv1.Ingress{}] = ingress
}

// leanClient reads ServiceAccounts, which are the user's and read only when deploying,
// straight from the API server instead of caching every one in the cluster.
func leanClient() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.ServiceAccount{}}}}
}

func mustRequirement(key string, op selection.Operator, vals []string) labels.Requirement {
	r, err := labels.NewRequirement(key, op, vals)
	if err != nil {
		panic(err) // fixed, valid keys and values
	}
	return *r
}
