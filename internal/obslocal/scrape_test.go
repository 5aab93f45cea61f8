package obslocal

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The rendered config is what the real metrics server accepts (make test-observability);
// this pins the parts that keep the scraper's token away from workloads.
func TestScrapeConfigSendsTheTokenOnlyToTheOperator(t *testing.T) {
	raw, err := ScrapeConfig(ScrapeOptions{Kubeconfig: "/d/conf/observability.kubeconfig", TokenFile: "/d/observability/scraper.token"})
	if err != nil {
		t.Fatal(err)
	}
	var cfg scrapeConfig
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if cfg.Global["scrape_interval"] != ScrapeInterval {
		t.Errorf("interval %q", cfg.Global["scrape_interval"])
	}
	jobs := map[string]scrapeJob{}
	for _, j := range cfg.ScrapeConfigs {
		jobs[j.JobName] = j
		if len(j.KubernetesSD) != 1 || j.KubernetesSD[0].KubeconfigFile != "/d/conf/observability.kubeconfig" {
			t.Errorf("%s: discovery %+v", j.JobName, j.KubernetesSD)
		}
	}
	pods, op := jobs[JobPods], jobs[JobOperator]
	if pods.BearerTokenFile != "" || pods.Scheme != "" {
		t.Errorf("the pods job must send no token: %+v", pods)
	}
	if !strings.Contains(string(raw), "__meta_kubernetes_pod_annotation_prometheus_io_scheme") {
		t.Errorf("the pods job must leave https-annotated pods alone:\n%s", raw)
	}
	if !op.HonorLabels || pods.HonorLabels {
		t.Errorf("the operator's series keep their app namespace (honor_labels), Flink's get their pod's: operator %v, pods %v", op.HonorLabels, pods.HonorLabels)
	}
	if op.BearerTokenFile != "/d/observability/scraper.token" || op.Scheme != "https" || op.KubernetesSD[0].Role != "endpointslice" {
		t.Errorf("operator job: %+v", op)
	}
	if op.RelabelConfigs[0].Action != "keep" || op.RelabelConfigs[0].Regex != "weir-operator-metrics;https-metrics" {
		t.Errorf("the operator job must keep only the operator's Service port: %+v", op.RelabelConfigs[0])
	}
}
