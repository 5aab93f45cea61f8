package obslocal

import (
	"net"
	"strconv"
)

// Fixed facts of the observability daemons. They listen on loopback only: the host
// reaches them, pods do not (pods reach the host through the bridge IP, where nothing of
// this listens); the scraper reaches pod IPs through the bridge.
const (
	Host = "127.0.0.1"
	// MetricsPort is VictoriaMetrics (its 8428 + 20000), LogsPort VictoriaLogs (9428 + 20000),
	// AgentPort vlagent's own /metrics and /health (9429 + 20000); next to the S3 server's 29000.
	MetricsPort = 28428
	LogsPort    = 29428
	AgentPort   = 29429
	// HealthPath answers 200 "OK" on all three once they serve.
	HealthPath = "/health"
	// ScrapeInterval is how often the local platform's scrape jobs run.
	ScrapeInterval = "10s"
	// Retention is how long both stores keep data.
	Retention = "7d"
)

// URL is http://host:port.
func URL(host string, port int) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) }

// MetricsURL, LogsURL and AgentURL are where the local platform's daemons answer.
func MetricsURL() string { return URL(Host, MetricsPort) }
func LogsURL() string    { return URL(Host, LogsPort) }
func AgentURL() string   { return URL(Host, AgentPort) }

// MetricsArgs is VictoriaMetrics' command line: storage in dataDir, the scrape config at
// scrapeConfig, re-read every 10s so a later `up` that rewrites it needs no restart. The
// query latency offset is 1s instead of 30s: a single node has no late samples from other
// collectors, and a test or a person wants what was just scraped.
func MetricsArgs(listen, dataDir, scrapeConfig string) []string {
	return []string{
		"-httpListenAddr=" + listen,
		"-storageDataPath=" + dataDir,
		"-retentionPeriod=" + Retention,
		"-promscrape.config=" + scrapeConfig,
		"-promscrape.configCheckInterval=10s",
		"-search.latencyOffset=1s",
		"-loggerLevel=WARN",
	}
}

// LogsArgs is VictoriaLogs' command line: storage in dataDir. It accepts Loki's push API
// (/insert/loki/api/v1/push) and vlagent's native protocol (/insert/native).
func LogsArgs(listen, dataDir string) []string {
	return []string{
		"-httpListenAddr=" + listen,
		"-storageDataPath=" + dataDir,
		"-retentionPeriod=" + Retention,
		"-loggerLevel=WARN",
	}
}

// AgentArgs is vlagent's command line: its Kubernetes collector reads the kubelet's
// /var/log/containers symlinks under logsPath (named <pod>_<namespace>_<container>-<id>.log)
// for every pod of the node, adds the pod's metadata and labels from the API server
// (AgentEnv's kubeconfig) and ships the lines to the VictoriaLogs at logsURL. tmpDir holds
// its read offsets and the lines not yet sent.
func AgentArgs(listen, tmpDir, logsPath, logsURL string) []string {
	return []string{
		"-httpListenAddr=" + listen,
		"-tmpDataPath=" + tmpDir,
		"-kubernetesCollector",
		"-kubernetesCollector.logsPath=" + logsPath,
		"-remoteWrite.url=" + logsURL + "/insert/native",
		"-loggerLevel=WARN",
	}
}

// AgentEnv points vlagent at a kubeconfig. vlagent prefers the in-cluster config when
// KUBERNETES_SERVICE_HOST is set, so it is cleared: this vlagent runs on the host.
func AgentEnv(kubeconfig string) []string {
	return []string{"KUBECONFIG=" + kubeconfig, "KUBERNETES_SERVICE_HOST=", "KUBERNETES_SERVICE_PORT="}
}
