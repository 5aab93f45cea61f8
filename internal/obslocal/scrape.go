package obslocal

import (
	"sigs.k8s.io/yaml"
)

// Scrape job names.
const (
	JobPods     = "kubernetes-pods"
	JobOperator = "weir-operator"
)

// The operator's metrics Service and its port, as the operator chart names them
// (charts/weir-operator/templates/metrics.yaml).
const (
	OperatorMetricsService = "weir-operator-metrics"
	OperatorMetricsPort    = "https-metrics"
)

// ScrapeOptions say how the metrics server reaches the cluster.
type ScrapeOptions struct {
	Kubeconfig string // for service discovery (lists and watches pods, services, endpointslices)
	TokenFile  string // a bearer token allowed to GET the operator's /metrics (re-read on every scrape)
	Interval   string // e.g. "10s"; empty means ScrapeInterval
}

type scrapeConfig struct {
	Global        map[string]string `json:"global"`
	ScrapeConfigs []scrapeJob       `json:"scrape_configs"`
}

type scrapeJob struct {
	JobName         string         `json:"job_name"`
	HonorLabels     bool           `json:"honor_labels,omitempty"`
	Scheme          string         `json:"scheme,omitempty"`
	BearerTokenFile string         `json:"bearer_token_file,omitempty"`
	TLSConfig       map[string]any `json:"tls_config,omitempty"`
	KubernetesSD    []kubernetesSD `json:"kubernetes_sd_configs"`
	RelabelConfigs  []relabel      `json:"relabel_configs"`
}

type kubernetesSD struct {
	Role           string `json:"role"`
	KubeconfigFile string `json:"kubeconfig_file"`
}

type relabel struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Action       string   `json:"action,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
}

// keepAs copies a discovered label to a target label.
func keepAs(source, target string) relabel {
	return relabel{SourceLabels: []string{source}, TargetLabel: target}
}

// ScrapeConfig renders the metrics server's scrape config:
//
//   - kubernetes-pods: every running pod annotated prometheus.io/scrape: "true", on the
//     port of prometheus.io/port and the path of prometheus.io/path (default /metrics),
//     over plain HTTP; pods annotated prometheus.io/scheme: https are left to jobs that
//     know their credentials (the operator's below), so no token reaches a workload;
//   - weir-operator: the endpoints of the Service weir-operator-metrics, port
//     https-metrics, over HTTPS with the scraper's token (the operator's certificate is
//     self-signed).
//
// Both keep the labels namespace, pod, and the app and component labels weir puts on
// Flink's pods (internal/resources/labels.go); the operator's own namespace label, that of
// the app a series is about, wins over its pod's (honor_labels).
func ScrapeConfig(o ScrapeOptions) ([]byte, error) {
	interval := o.Interval
	if interval == "" {
		interval = ScrapeInterval
	}
	common := []relabel{
		keepAs("__meta_kubernetes_namespace", "namespace"),
		keepAs("__meta_kubernetes_pod_name", "pod"),
		keepAs("__meta_kubernetes_pod_label_app", "app"),
		keepAs("__meta_kubernetes_pod_label_component", "component"),
	}
	port := "$1:$2"
	pods := scrapeJob{
		JobName:      JobPods,
		KubernetesSD: []kubernetesSD{{Role: "pod", KubeconfigFile: o.Kubeconfig}},
		RelabelConfigs: append([]relabel{
			{SourceLabels: []string{"__meta_kubernetes_pod_annotation_prometheus_io_scrape"}, Regex: "true", Action: "keep"},
			{SourceLabels: []string{"__meta_kubernetes_pod_annotation_prometheus_io_scheme"}, Regex: "https", Action: "drop"},
			{SourceLabels: []string{"__meta_kubernetes_pod_phase"}, Regex: "Succeeded|Failed", Action: "drop"},
			{SourceLabels: []string{"__meta_kubernetes_pod_annotation_prometheus_io_path"}, Regex: "(.+)", TargetLabel: "__metrics_path__"},
			{SourceLabels: []string{"__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"},
				Regex: `([^:]+)(?::\d+)?;(\d+)`, Replacement: &port, TargetLabel: "__address__"},
		}, common...),
	}
	operator := scrapeJob{
		JobName: JobOperator,
		// weir's series carry the app's namespace; the operator pod's must not replace it
		// (it would, as exported_namespace, with every dashboard and rule then empty).
		HonorLabels:     true,
		Scheme:          "https",
		BearerTokenFile: o.TokenFile,
		TLSConfig:       map[string]any{"insecure_skip_verify": true},
		KubernetesSD:    []kubernetesSD{{Role: "endpointslice", KubeconfigFile: o.Kubeconfig}},
		RelabelConfigs: append([]relabel{
			{SourceLabels: []string{"__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"},
				Regex: OperatorMetricsService + ";" + OperatorMetricsPort, Action: "keep"},
		}, common...),
	}
	return yaml.Marshal(scrapeConfig{
		Global:        map[string]string{"scrape_interval": interval, "scrape_timeout": interval},
		ScrapeConfigs: []scrapeJob{pods, operator},
	})
}
