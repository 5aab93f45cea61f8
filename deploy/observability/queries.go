package observability

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Files are the dashboards and rule files, as shipped.
//
//go:embed dashboards/*.json alerts/*.yaml
var Files embed.FS

// AlertsFile is the rule file of Files: the local platform's rule engine loads it as is.
const AlertsFile = "alerts/weir-alerts.yaml"

// Query is one PromQL expression of a dashboard panel or an alert rule.
type Query struct {
	// Source says where it is: "dashboards/app.json: Records in per second (A)" or
	// "alerts/weir.rules.yaml: WeirJobNotRunning".
	Source string
	// Expr is the expression as written; a dashboard's may hold template variables
	// ($namespace, $app, $__rate_interval): see Expand.
	Expr string
}

// Queries returns every panel target of every dashboard and every rule expression of every
// rule file, in file order.
func Queries() ([]Query, error) {
	var out []Query
	dash, err := fs.Glob(Files, "dashboards/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(dash)
	for _, f := range dash {
		qs, err := dashboardQueries(f)
		if err != nil {
			return nil, err
		}
		out = append(out, qs...)
	}
	rules, err := fs.Glob(Files, "alerts/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(rules)
	for _, f := range rules {
		qs, err := ruleQueries(f)
		if err != nil {
			return nil, err
		}
		out = append(out, qs...)
	}
	return out, nil
}

// Dashboard is the part of a Grafana dashboard the tests read.
type Dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// Panel is a dashboard panel; a row holds its collapsed panels.
type Panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []Panel `json:"panels"`
}

// ReadDashboard parses one dashboard file of Files.
func ReadDashboard(file string) (*Dashboard, error) {
	b, err := Files.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &d, nil
}

// AllPanels flattens the rows: every panel that is not a row.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

func dashboardQueries(file string) ([]Query, error) {
	d, err := ReadDashboard(file)
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, p := range d.AllPanels() {
		for _, t := range p.Targets {
			if strings.TrimSpace(t.Expr) == "" {
				continue
			}
			out = append(out, Query{Source: fmt.Sprintf("%s: %s (%s)", file, p.Title, t.RefID), Expr: t.Expr})
		}
	}
	return out, nil
}

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []Rule `yaml:"rules"`
	} `yaml:"groups"`
}

// Rule is an alerting or recording rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// ReadRules parses one rule file of Files.
func ReadRules(file string) (*RuleFile, error) {
	b, err := Files.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r RuleFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &r, nil
}

func ruleQueries(file string) ([]Query, error) {
	r, err := ReadRules(file)
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			name := rule.Alert
			if name == "" {
				name = rule.Record
			}
			out = append(out, Query{Source: path.Base(file) + ": " + name, Expr: strings.TrimSpace(rule.Expr)})
		}
	}
	return out, nil
}

// FlinkSeriesFixture is the file, relative to this package, that lists the series names a
// running job of a Flink line exposes through the Prometheus reporter.
func FlinkSeriesFixture(line string) string {
	return path.Join("testdata", "flink-"+line+"-series.txt")
}
