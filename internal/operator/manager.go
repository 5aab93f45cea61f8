package operator

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	flinkrest "weir.dev/weir/internal/flink/rest"
)

// Options configure the operator.
type Options struct {
	// Namespaces to watch; empty watches all.
	Namespaces []string
	// MetricsAddr serves Prometheus /metrics ("0" disables).
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	// LeaderElection makes only one replica act at a time.
	LeaderElection          bool
	LeaderElectionNamespace string
	// FlinkRESTTimeout bounds each Flink REST call.
	FlinkRESTTimeout time.Duration

	// Scale (scale.go): workers per controller (0: DefaultReconcileParallelism), the
	// requeue of a stable deployment (0: 15 s), and the client-side API rate limit
	// (0: DefaultKubeAPIQPS/Burst).
	ReconcileParallelism int
	ReconcileInterval    time.Duration
	KubeAPIQPS           int
	KubeAPIBurst         int
}

// NewScheme returns a scheme with the core types and flink.apache.org/v1beta1.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1beta1.AddToScheme(s))
	return s
}

// NewManager builds a manager with every weir reconciler registered.
func NewManager(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme := NewScheme()
	mo := ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "weir-operator.flink.apache.org",
		LeaderElectionNamespace: o.LeaderElectionNamespace,
	}
	if len(o.Namespaces) > 0 {
		mo.Cache = cache.Options{DefaultNamespaces: map[string]cache.Config{}}
		for _, ns := range o.Namespaces {
			mo.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	leanCache(&mo.Cache)
	mo.Client = leanClient()
	mgr, err := ctrl.NewManager(o.withClientRate(cfg), mo)
	if err != nil {
		return nil, fmt.Errorf("while creating manager: %w", err)
	}
	if err := Register(mgr, o); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Register adds weir's reconcilers to a manager (tests use it with their own manager).
func Register(mgr ctrl.Manager, o Options) error {
	timeout := o.FlinkRESTTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	flink := func(baseURL string) (flinkrest.API, error) {
		return flinkrest.New(baseURL, flinkrest.WithTimeouts(flinkrest.Timeouts{Default: timeout}))
	}
	if err := (&controller.FlinkDeploymentReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink,
		Interval: o.ReconcileInterval,
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkDeployment controller: %w", err)
	}
	if err := (&controller.FlinkSessionJobReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink,
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkSessionJob controller: %w", err)
	}
	if err := (&controller.FlinkStateSnapshotReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink,
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkStateSnapshot controller: %w", err)
	}
	return nil
}
