package localcluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"weir.dev/weir/deploy/observability"
	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/obslocal"
)

// FeatureObservability is `up --with observability`: a metrics server, its rule engine, a
// log store and a log shipper as host daemons (obslocal).
const FeatureObservability = "observability"

// The files in the conf dir the observability daemons read: the metrics server's scrape
// config and the rule engine's alert rules; startObservability writes them.
const (
	scrapeConfigFile = "scrape.yaml"
	alertRulesFile   = "alerts.yaml"
)

// Features are the opt-in features `up --with` knows.
var Features = []string{FeatureObservability}

// loadWith reads the features turned on in this data dir.
func loadWith(l Layout) ([]string, error) {
	raw, err := os.ReadFile(l.WithFile())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range strings.Fields(string(raw)) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// mergeWith adds the features asked for to the persisted ones and records the result, so a
// later `up`, `status` or `down` knows them without the flag.
func mergeWith(l Layout, asked []string) ([]string, error) {
	for _, f := range asked {
		if !slices.Contains(Features, f) {
			return nil, fmt.Errorf("unknown feature %q for --with (known: %s)", f, strings.Join(Features, ", "))
		}
	}
	with, err := loadWith(l)
	if err != nil {
		return nil, err
	}
	for _, f := range asked {
		if !slices.Contains(with, f) {
			with = append(with, f)
		}
	}
	if len(with) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(l.p("conf"), 0o755); err != nil {
		return nil, err
	}
	_, err = writeIfChanged(l.WithFile(), []byte(strings.Join(with, "\n")+"\n"), 0o644)
	return with, err
}

// featureBinaries are the optional binaries the features in with need.
func featureBinaries(with []string) []binaries.Binary {
	if !slices.Contains(with, FeatureObservability) {
		return nil
	}
	bins, err := binaries.Select(binaries.ObservabilityNames...)
	if err != nil {
		panic(err) // the names are constants of the binaries package
	}
	return bins
}

// featureDaemons picks the daemons of feature from ds.
func featureDaemons(ds []Daemon, feature string) []Daemon {
	var out []Daemon
	for _, d := range ds {
		if d.Feature == feature {
			out = append(out, d)
		}
	}
	return out
}

// startObservability creates what the daemons need in the cluster (the reader's and the
// scraper's RBAC, the scraper's token), writes the scrape config and weir's alert rules and
// starts the log store, the metrics server and the log shipper, then the rule engine: it
// reads its alerts' state from the metrics server as it starts, so that must answer first.
func startObservability(ctx context.Context, cs kubernetes.Interface, l Layout, ds []Daemon) (string, error) {
	if err := obslocal.Apply(ctx, cs, obslocal.NewObjects()); err != nil {
		return "", err
	}
	for _, name := range []string{"metrics", "logs", "vlagent"} {
		if err := os.MkdirAll(l.ObsData(name), 0o755); err != nil {
			return "", err
		}
	}
	if err := obslocal.WriteScraperToken(ctx, cs, l.ScraperToken()); err != nil {
		return "", err
	}
	scrape, err := obslocal.ScrapeConfig(obslocal.ScrapeOptions{Kubeconfig: l.Kubeconfig("observability"), TokenFile: l.ScraperToken()})
	if err != nil {
		return "", err
	}
	if _, err := writeIfChanged(l.Conf(scrapeConfigFile), scrape, 0o644); err != nil {
		return "", err
	}
	rules, err := observability.Files.ReadFile(observability.AlertsFile)
	if err != nil {
		return "", err
	}
	if _, err := writeIfChanged(l.Conf(alertRulesFile), rules, 0o644); err != nil {
		return "", err
	}
	var rest, ruleEngine []Daemon
	for _, d := range featureDaemons(ds, FeatureObservability) {
		if d.Name == "vmalert" {
			ruleEngine = append(ruleEngine, d)
		} else {
			rest = append(rest, d)
		}
	}
	var notes []string
	for _, stage := range [][]Daemon{rest, ruleEngine} {
		note, err := startAll(ctx, l, stage, 60*time.Second)
		if err != nil {
			return "", err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return strings.Join(notes, "; "), nil
}

// printObservability tells where the daemons answer.
func printObservability(out io.Writer) {
	fmt.Fprintf(out, "  metrics (VictoriaMetrics %s): %s on the host only (PromQL at /api/v1/query, UI at /vmui)\n",
		binaries.VictoriaMetricsVersion, obslocal.MetricsURL())
	fmt.Fprintf(out, "    scrapes pods annotated prometheus.io/scrape=true and the operator's /metrics (Service %s)\n", obslocal.OperatorMetricsService)
	fmt.Fprintf(out, "  alerts (vmalert %s): %s on the host only (active alerts at /api/v1/alerts, rules at /api/v1/rules)\n",
		binaries.VictoriaMetricsVersion, obslocal.AlertURL())
	fmt.Fprintf(out, "    evaluates weir's alert rules (deploy/observability/%s) every %s; no Alertmanager, so no notifications\n",
		observability.AlertsFile, obslocal.ScrapeInterval)
	fmt.Fprintf(out, "  logs (VictoriaLogs %s): %s on the host only (LogsQL at /select/logsql/query, UI at /select/vmui)\n",
		binaries.VictoriaLogsVersion, obslocal.LogsURL())
	fmt.Fprintf(out, "    vlagent (%s) ships every container log of the node with its pod's namespace, name, container and labels\n", obslocal.AgentURL())
}
