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

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/flink/artifact"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/webhook"
)

// Options configure the operator.
type Options struct {
	// Namespaces to watch; empty watches all.
	Namespaces []string
	// MetricsAddr serves Prometheus /metrics over authenticated HTTPS ("0" disables).
	MetricsAddr string
	// MetricsInsecure serves /metrics over plain HTTP without authentication, on a
	// loopback MetricsAddr only (development).
	MetricsInsecure bool
	// MetricsCertDir holds tls.crt and tls.key for /metrics; empty uses a self-signed pair.
	MetricsCertDir string
	// ProbeAddr serves /healthz and /readyz (plain HTTP, for the kubelet's probes).
	ProbeAddr string
	// LeaderElection makes only one replica act at a time.
	LeaderElection          bool
	LeaderElectionNamespace string
	// FlinkRESTTimeout bounds each Flink REST call.
	FlinkRESTTimeout time.Duration
	// ConfigDir holds the operator config (config.yaml or flink-conf.yaml; opconfig.go),
	// or Config gives it directly; neither is an empty config. The artifact policy for
	// session-job jars comes from it (docs/security.md).
	ConfigDir string
	Config    *opconfig.Store
	// Flink opens Flink REST clients; nil opens real ones with FlinkRESTTimeout (the
	// integration suite passes its fake JobManagers here).
	Flink controller.FlinkClientFactory
	// ArtifactPolicy, when set, overrides the operator config's policy for session-job jars.
	ArtifactPolicy *artifact.Policy

	// Scale (scale.go): workers per controller (0: DefaultReconcileParallelism), the
	// requeue of a stable deployment (0: 15 s), and the client-side API rate limit
	// (0: DefaultKubeAPIQPS/Burst).
	ReconcileParallelism int
	ReconcileInterval    time.Duration
	KubeAPIQPS           int
	KubeAPIBurst         int

	// Webhook serves the validating admission webhook (off when its Port is 0).
	Webhook webhook.Options
}

// NewScheme returns a scheme with the core types, flink.apache.org/v1beta1 and weir.dev/v1alpha1.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1beta1.AddToScheme(s))
	utilruntime.Must(weirv1alpha1.AddToScheme(s))
	return s
}

// NewManager builds a manager with every weir reconciler registered.
func NewManager(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme := NewScheme()
	selector, err := o.withOperatorConfig()
	if err != nil {
		return nil, err
	}
	metrics, err := MetricsOptions(o)
	if err != nil {
		return nil, err
	}
	mo := ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metrics,
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
	selectResources(&mo.Cache, selector)
	leanCache(&mo.Cache)
	mo.Client = leanClient()
	var keeper *webhook.CertKeeper
	if o.Webhook.Enabled() {
		if mo.WebhookServer, keeper, err = webhook.NewServer(o.Webhook); err != nil {
			return nil, err
		}
	}
	mgr, err := ctrl.NewManager(o.withClientRate(cfg), mo)
	if err != nil {
		return nil, fmt.Errorf("while creating manager: %w", err)
	}
	if err := Register(mgr, o); err != nil {
		return nil, err
	}
	if o.Webhook.Enabled() {
		// The webhook checks what the reconcilers would, with the same config and scope.
		v := &webhook.Validator{Config: o.Config, ArtifactPolicy: o.ArtifactPolicy, Namespaces: o.Namespaces, Selector: selector}
		if err := webhook.Register(mgr, keeper, v); err != nil {
			return nil, fmt.Errorf("while registering the admission webhook: %w", err)
		}
	}
	if err := startConfigReloads(mgr, o.Config); err != nil {
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
	timeout := o.FlinkRESTTimeout // the flag, else kubernetes.operator.flink.client.timeout
	if timeout == 0 {
		s, _ := controller.SettingsOf(o.Config.Current())
		timeout = s.FlinkClientTimeout
	}
	flink := o.Flink
	if flink == nil {
		flink = func(baseURL string) (flinkrest.API, error) {
			return flinkrest.New(baseURL, flinkrest.WithTimeouts(flinkrest.Timeouts{Default: timeout}))
		}
	}
	flink = controller.InstrumentFlink(flink)
	if err := controller.RegisterMetrics(mgr.GetCache(), o.Config); err != nil {
		return fmt.Errorf("while registering metrics: %w", err)
	}
	if err := (&controller.FlinkDeploymentReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink, Config: o.Config,
		Interval: o.ReconcileInterval, APIReader: mgr.GetAPIReader(),
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkDeployment controller: %w", err)
	}
	if err := (&controller.FlinkSessionJobReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink, Config: o.Config,
		ArtifactPolicy: o.ArtifactPolicy,
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkSessionJob controller: %w", err)
	}
	if err := (&controller.FlinkProfileReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Namespaces: o.Namespaces,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("while registering FlinkProfile controller: %w", err)
	}
	if err := (&controller.FlinkStateSnapshotReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("weir-operator"), Flink: flink, Config: o.Config,
	}).SetupWithManager(mgr, o.controllerOptions()); err != nil {
		return fmt.Errorf("while registering FlinkStateSnapshot controller: %w", err)
	}
	return nil
}
