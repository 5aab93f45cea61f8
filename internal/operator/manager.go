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
	"weir.dev/weir/internal/flink/artifact"
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
	// ArtifactPolicy says which session-job jars the operator downloads (zero: https
	// only, no private ranges); operator configuration only, never a resource's.
	ArtifactPolicy artifact.Policy
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
	mgr, err := ctrl.NewManager(cfg, mo)
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
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("while registering FlinkDeployment controller: %w", err)
	}
	if err := (&controller.FlinkSessionJobReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink, ArtifactPolicy: o.ArtifactPolicy,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("while registering FlinkSessionJob controller: %w", err)
	}
	if err := (&controller.FlinkStateSnapshotReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("while registering FlinkStateSnapshot controller: %w", err)
	}
	return nil
}
