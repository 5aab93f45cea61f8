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
	// AgentPort vlagent's own /metrics and /health (9429 + 20000), AlertPort vmalert (8880 +
	// 20000); next to the S3 server's 29000.
	MetricsPort = 28428
	LogsPort    = 29428
	AgentPort   = 29429
	AlertPort   = 28880
	// HealthPath answers 200 "OK" on all four once they serve.
	HealthPath = "/health"
	// ScrapeInterval is how often the local platform's scrape jobs run, and how often the
	// rule engine evaluates the alert rules: a new sample, a new evaluation.
	ScrapeInterval = "10s"
	// LatencyOffset is how far behind now the metrics server answers queries (it holds back
	// the newest samples for late writers), and so how far back the rule engine evaluates.
	LatencyOffset = "1s"
	// Retention is how long both stores keep data.
	Retention = "7d"
)

// URL is http://host:port.
func URL(host string, port int) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) }

// MetricsURL, LogsURL, AgentURL and AlertURL are where the local platform's daemons answer.
func MetricsURL() string { return URL(Host, MetricsPort) }
func LogsURL() string    { return URL(Host, LogsPort) }
func AgentURL() string   { return URL(Host, AgentPort) }
func AlertURL() string   { return URL(Host, AlertPort) }

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
		"-search.latencyOffset=" + LatencyOffset,
		"-loggerLevel=WARN",
	}
}

// AlertArgs is vmalert's command line: it evaluates the alert rules of ruleFile every
// ScrapeInterval by querying the VictoriaMetrics at metricsURL, writes its ALERTS and
// ALERTS_FOR_STATE series back there (so alerts can be queried and graphed next to what
// raised them) and, when it starts, reads ALERTS_FOR_STATE from there, so a restart keeps a
// pending alert's `for:` clock. The local platform has no Alertmanager: notifications are
// dropped (-notifier.blackhole), the alerts' states are read from vmalert's
// /api/v1/alerts. Its evaluation lags now by the metrics server's query latency offset
// (-rule.evalDelay, 30s by default), it re-reads ruleFile every 10s so a later `up` that
// rewrites it needs no restart, and its alerts' source links point at itself rather than
// at the host name (-external.url).
func AlertArgs(listen, ruleFile, metricsURL string) []string {
	return []string{
		"-httpListenAddr=" + listen,
		"-rule=" + ruleFile,
		"-datasource.url=" + metricsURL,
		"-remoteWrite.url=" + metricsURL,
		"-remoteRead.url=" + metricsURL,
		"-notifier.blackhole",
		"-evaluationInterval=" + ScrapeInterval,
		"-rule.evalDelay=" + LatencyOffset,
		"-configCheckInterval=10s",
		"-external.url=http://" + listen,
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
