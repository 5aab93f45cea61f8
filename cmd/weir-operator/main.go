// Command weir-operator runs the weir Kubernetes operator for Apache Flink.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"weir.dev/weir/internal/operator"
)

func main() {
	var o operator.Options
	var namespaces string
	flag.StringVar(&namespaces, "watch-namespaces", os.Getenv("WATCH_NAMESPACES"), "comma-separated namespaces to watch; empty watches all")
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8443", "address of the Prometheus /metrics endpoint (HTTPS; callers need a token allowed to get /metrics); 0 disables it")
	flag.BoolVar(&o.MetricsInsecure, "metrics-insecure", false, "serve /metrics over plain HTTP without authentication; only on a loopback --metrics-bind-address such as 127.0.0.1:8080 (development)")
	flag.StringVar(&o.MetricsCertDir, "metrics-cert-dir", "", "directory with tls.crt and tls.key for /metrics; empty uses a self-signed certificate")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz (plain HTTP for the kubelet's probes; they reveal nothing but liveness)")
	flag.BoolVar(&o.LeaderElection, "leader-elect", false, "elect a leader so that only one replica acts")
	flag.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader-election lease (default: the pod's)")
	flag.DurationVar(&o.FlinkRESTTimeout, "flink-rest-timeout", 0, "timeout of one Flink REST call (0: kubernetes.operator.flink.client.timeout of the operator config, default 10s)")
	flag.StringVar(&o.ConfigDir, "config-dir", os.Getenv("WEIR_CONFIG_DIR"), "directory of the operator config (config.yaml or flink-conf.yaml, FKO's format); reloaded when it changes")
	flag.IntVar(&o.ReconcileParallelism, "reconcile-parallelism", 0, "reconciles run at once per kind of resource (0: the operator config's kubernetes.operator.reconcile.parallelism, default 10)")
	flag.DurationVar(&o.ReconcileInterval, "reconcile-interval", 0, "how often a stable deployment is observed again (0: the operator config's kubernetes.operator.reconcile.interval, default 15s)")
	flag.IntVar(&o.KubeAPIQPS, "kube-api-qps", operator.DefaultKubeAPIQPS, "client-side limit of Kubernetes API requests per second")
	flag.IntVar(&o.KubeAPIBurst, "kube-api-burst", operator.DefaultKubeAPIBurst, "client-side burst of Kubernetes API requests")
	flag.IntVar(&o.Webhook.Port, "webhook-port", 0, "port of the validating admission webhook (HTTPS); 0 serves none")
	flag.StringVar(&o.Webhook.Namespace, "webhook-namespace", os.Getenv("POD_NAMESPACE"), "the operator's namespace, where the webhook's certificate Secret and Service live")
	flag.StringVar(&o.Webhook.SecretName, "webhook-secret", "weir-operator-webhook-cert", "Secret where the operator keeps the webhook's CA and serving certificate (shared by replicas and restarts)")
	flag.StringVar(&o.Webhook.ServiceName, "webhook-service", "", "the webhook's Service, whose DNS names the serving certificate covers")
	flag.StringVar(&o.Webhook.ConfigName, "webhook-configuration", "", "ValidatingWebhookConfiguration whose caBundle the operator fills with its CA; empty leaves it alone")
	flag.StringVar(&o.Webhook.CertDir, "webhook-cert-dir", "", "directory with tls.crt and tls.key made elsewhere (cert-manager); the operator then makes no certificate and leaves the caBundle alone")
	zo := zap.Options{Development: false, TimeEncoder: zapcore.ISO8601TimeEncoder}
	zo.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zo))) // JSON unless --zap-devel
	for _, ns := range strings.Split(namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			o.Namespaces = append(o.Namespaces, ns)
		}
	}
	mgr, err := operator.NewManager(ctrl.GetConfigOrDie(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	ctrl.Log.Info("Starting weir operator", "namespaces", o.Namespaces, "leaderElection", o.LeaderElection)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		ctrl.Log.Error(err, "Operator stopped")
		os.Exit(1)
	}
}
