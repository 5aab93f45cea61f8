package observability

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"weir.dev/weir/internal/flinkdist"
)

// TestEveryPanelHasAQuery: the dashboards parse, each panel has a target with an expression,
// and a query variable exists for every variable an expression uses.
func TestEveryPanelHasAQuery(t *testing.T) {
	files := []string{"dashboards/fleet.json", "dashboards/app.json"}
	for _, f := range files {
		d, err := ReadDashboard(f)
		if err != nil {
			t.Fatal(err)
		}
		if d.Title == "" || d.UID == "" {
			t.Errorf("%s: no title or uid", f)
		}
		vars := map[string]bool{}
		for _, v := range d.Templating.List {
			vars[v.Name] = true
		}
		panels := d.AllPanels()
		if len(panels) < 10 {
			t.Errorf("%s: only %d panels", f, len(panels))
		}
		for _, p := range panels {
			n := 0
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) != "" {
					n++
				}
				for _, v := range Variables(tg.Expr) {
					if !vars[v] {
						t.Errorf("%s: panel %q uses $%s, which the dashboard does not define", f, p.Title, v)
					}
				}
			}
			if n == 0 {
				t.Errorf("%s: panel %q has no query", f, p.Title)
			}
		}
	}
}

// TestEveryRuleIsComplete: each alert has an expression, a severity and a summary.
func TestEveryRuleIsComplete(t *testing.T) {
	r, err := ReadRules("alerts/weir-alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			n++
			if rule.Alert == "" || rule.Expr == "" || rule.Labels["severity"] == "" || rule.Annotations["summary"] == "" || rule.Annotations["description"] == "" {
				t.Errorf("incomplete rule %+v", rule)
			}
		}
	}
	if n < 6 {
		t.Errorf("only %d rules", n)
	}
}

// TestQueriesParseAndUseRealNames: every query parses (as MetricsQL, with PromQL's functions
// only), and every metric it names is one weir documents (docs/metrics.md) or one a running
// job of every pinned Flink line exposes (the fixtures TestAgainstRealFlinkJobSeries writes).
func TestQueriesParseAndUseRealNames(t *testing.T) {
	qs, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 40 {
		t.Fatalf("only %d queries", len(qs))
	}
	operator := documentedNames(t, "../../docs/metrics.md")
	var flink []map[string]bool
	for _, line := range flinkdist.Lines() {
		flink = append(flink, fixtureNames(t, FlinkSeriesFixture(line)))
	}
	for _, q := range qs {
		names, err := MetricNames(q.Expr)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.Source, err, q.Expr)
			continue
		}
		if len(names) == 0 {
			t.Errorf("%s selects no metric", q.Source)
		}
		for _, n := range names {
			switch {
			case strings.HasPrefix(n, "flink_"):
				for i, line := range flinkdist.Lines() {
					if !flink[i][n] {
						t.Errorf("%s: %s is not among the series of Flink %s (%s)", q.Source, n, line, FlinkSeriesFixture(line))
					}
				}
			case !operator[n]:
				t.Errorf("%s: %s is not documented in docs/metrics.md", q.Source, n)
			}
		}
	}
}

var (
	tableRow = regexp.MustCompile("^\\| *(`[^|]*)\\|")
	code     = regexp.MustCompile("`([a-z_]+)`")
	typeCell = regexp.MustCompile("^\\| *`[^|]*\\| *(histogram|summary|counter|gauge|) *\\|")
)

// documentedNames are the names in the first column of docs/metrics.md's tables, with the
// series a histogram or summary adds.
func documentedNames(t *testing.T, file string) map[string]bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		m := tableRow.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		kind := ""
		if tm := typeCell.FindStringSubmatch(s.Text()); tm != nil {
			kind = tm[1]
		}
		for _, c := range code.FindAllStringSubmatch(m[1], -1) {
			out[c[1]] = true
			switch kind {
			case "histogram":
				out[c[1]+"_bucket"], out[c[1]+"_sum"], out[c[1]+"_count"] = true, true, true
			case "summary":
				out[c[1]+"_sum"], out[c[1]+"_count"] = true, true
			}
		}
	}
	if !out["weir_resources"] || !out["controller_runtime_reconcile_time_seconds_bucket"] || !out["workqueue_depth"] {
		t.Fatalf("docs/metrics.md's tables did not read as expected: %d names", len(out))
	}
	return out
}

func fixtureNames(t *testing.T, file string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run TestAgainstRealFlinkJobSeries with WEIR_FLINK_IT=1 WEIR_UPDATE_FLINK_SERIES=1)", err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	if len(out) < 50 {
		t.Fatalf("%s: only %d names", file, len(out))
	}
	return out
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"namespace": "team-a", "app": "orders"}
	for in, want := range map[string]string{
		`x{namespace="$namespace", app="${app}"}`:    `x{namespace="team-a", app="orders"}`,
		`rate(x{app="[[app]]"}[$__rate_interval])`:   `rate(x{app="orders"}[1m])`,
		`x{a="${namespace:regex}"}[$__range]`:        `x{a="team-a"}[1h]`,
		`x{a="$other"}`:                              `x{a="$other"}`,
		`x{namespace="$namespaces"}`:                 `x{namespace="$namespaces"}`,
		`sum(increase(x{app="$app"}[$__interval])) `: `sum(increase(x{app="orders"}[30s])) `,
	} {
		if got := Expand(in, vars); got != want {
			t.Errorf("Expand(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseRefusesWhatPrometheusLacks(t *testing.T) {
	for _, expr := range []string{
		`rollup_rate(x[5m])`,    // MetricsQL only
		`sum(rate(x[5m])) by`,   // not an expression
		`{__name__=~"weir_.*"}`, // parses, but names no metric
	} {
		if _, err := MetricNames(expr); err == nil {
			t.Errorf("MetricNames(%s) accepted it", expr)
		}
	}
	if names, err := MetricNames(`a{x="$app"} / on(y) b[5m:1m] or absent(c)`); err != nil || strings.Join(names, ",") != "a,b,c" {
		t.Errorf("MetricNames = %v, %v", names, err)
	}
}
