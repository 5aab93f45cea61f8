package resources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/deploy/observability"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/testenv"
)

// updateSeriesEnv, set to 1, has TestAgainstRealFlinkJobSeries write the series names it
// scraped into the observability package's fixtures.
const updateSeriesEnv = "WEIR_UPDATE_FLINK_SERIES"

// TestAgainstRealFlinkJobSeries runs a checkpointing job on a real JobManager and TaskManager
// of each pinned Flink line with the Prometheus reporter as weir configures it, scrapes both
// processes, and checks that every Flink series the dashboards and alerts of
// deploy/observability query is one that Flink exposes. With WEIR_UPDATE_FLINK_SERIES=1 it
// rewrites the fixture of names (deploy/observability/testdata/flink-<line>-series.txt)
// that the package's unit tests check the queries against.
func TestAgainstRealFlinkJobSeries(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to scrape a real job's metrics")
	}
	// Two minutes of CI for what the e2e proves on 1.20 anyway (every dashboard and alert
	// query returns series from the real metrics server): run when the fixtures or the
	// queries change (make test-flink-series).
	if os.Getenv(updateSeriesEnv) != "1" && os.Getenv("WEIR_FLINK_SERIES") != "1" {
		t.Skip("set WEIR_FLINK_SERIES=1 (make test-flink-series) to check the dashboards' Flink series on real Flink")
	}
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) {
			// JobManager and TaskManager share the configuration: a range gives each a port.
			first := freePort(t)
			ports := fmt.Sprintf("%d-%d", first, first+9)
			version := "v" + strings.ReplaceAll(line, ".", "_")
			d := &v1beta1.FlinkDeployment{}
			if err := yaml.Unmarshal([]byte(fmt.Sprintf(`
metadata: {name: orders, namespace: team-a}
spec:
  flinkVersion: %s
  mode: standalone
  flinkConfiguration:
    metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
    metrics.reporter.prom.port: "%s"
  jobManager: {resource: {memory: 1g, cpu: 1}}
  taskManager: {resource: {memory: 1g, cpu: 1}}
  job: {jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar"}
`, version, ports)), d); err != nil {
				t.Fatal(err)
			}
			conf, err := flinkconf.Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			cfg := reporterKeys(conf)
			cfg["execution.checkpointing.interval"] = "2s"
			c := flinktest.New(t, flinktest.Options{Version: line, Config: cfg})

			out := flinkCLI(t, c, "run", "-d", filepath.Join(c.Home, "examples", "streaming", "StateMachineExample.jar"))
			m := regexp.MustCompile(`JobID ([0-9a-f]{32})`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no JobID in the submission's output:\n%s", out)
			}
			job := m[1]
			testenv.Eventually(t, "two completed checkpoints of job "+job,
				testenv.Poll{Limit: 3 * time.Minute, Interval: time.Second, Diagnose: c.Logs}, func() error {
					n, err := completedCheckpoints(c.RESTURL, job)
					if err == nil && n < 2 {
						err = fmt.Errorf("%d completed", n)
					}
					return err
				})

			// The operator-level series appear once records flow through the tasks.
			var names map[string]bool
			testenv.Eventually(t, "the JobManager's and TaskManager's series on ports "+ports,
				testenv.Poll{Limit: 2 * time.Minute, Interval: time.Second, Diagnose: c.Logs}, func() error {
					names = scrapeNames(first, first+9)
					for _, want := range []string{"flink_jobmanager_job_lastCheckpointDuration", "flink_taskmanager_job_task_operator_numRecordsInPerSecond"} {
						if !names[want] {
							return fmt.Errorf("no %s among %d names", want, len(names))
						}
					}
					return nil
				})

			qs, err := observability.Queries()
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range qs {
				used, err := observability.MetricNames(q.Expr)
				if err != nil {
					t.Fatalf("%s: %v", q.Source, err)
				}
				for _, n := range used {
					if strings.HasPrefix(n, "flink_") && !names[n] {
						t.Errorf("%s queries %s, which Flink %s does not expose", q.Source, n, line)
					}
				}
			}

			fixture := filepath.Join("..", "..", "deploy", "observability", observability.FlinkSeriesFixture(line))
			if os.Getenv(updateSeriesEnv) == "1" {
				if err := os.WriteFile(fixture, []byte(seriesFile(line, names)), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %d names to %s", len(names), fixture)
			}
		})
	}
}

// seriesFile is the fixture: a header that says where it comes from, then one name a line.
func seriesFile(line string, names map[string]bool) string {
	var list []string
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	return fmt.Sprintf("# Series names a running checkpointing job exposes through Flink %s's Prometheus reporter,\n"+
		"# JobManager and TaskManager. Written by TestAgainstRealFlinkJobSeries (internal/resources) with\n"+
		"# WEIR_FLINK_IT=1 %s=1; do not edit by hand.\n%s\n", line, updateSeriesEnv, strings.Join(list, "\n"))
}

// scrapeNames reads every reporter endpoint in the port range and returns the names of the
// samples served (a summary's family name with its _sum and _count).
func scrapeNames(from, to int) map[string]bool {
	names := map[string]bool{}
	for p := from; p <= to; p++ {
		body, err := get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p))
		if err != nil {
			continue
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
		if err != nil {
			continue
		}
		for name, f := range fams {
			names[name] = true
			if t := f.GetType().String(); t == "SUMMARY" || t == "HISTOGRAM" {
				names[name+"_sum"], names[name+"_count"] = true, true
			}
		}
	}
	return names
}

func completedCheckpoints(base, job string) (int, error) {
	resp, err := http.Get(base + "/jobs/" + job + "/checkpoints")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Counts struct {
			Completed int `json:"completed"`
		} `json:"counts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, err
	}
	return st.Counts.Completed, nil
}

func flinkCLI(t *testing.T, c *flinktest.Cluster, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.Home, "bin", "flink"), args...)
	cmd.Env = c.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flink %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
