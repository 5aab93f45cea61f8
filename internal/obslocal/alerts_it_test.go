package obslocal_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"weir.dev/weir/deploy/observability"
	"weir.dev/weir/internal/obslocal"
	"weir.dev/weir/internal/testenv"
)

// vmalert, run as `weir local up --with observability` runs it (obslocal's flags, weir's
// alert rules file as shipped) against a real VictoriaMetrics, loads and evaluates every
// rule of the file; series that make WeirUpgradeFailed's condition true for one namespace
// fire it (it has no `for:`), those of WeirFlinkJobNotRunning (`for: 5m`) make it pending,
// no other rule has its series and none is active; the firing alert's ALERTS series is
// written back to the metrics server, and a restarted vmalert restores the pending alert's
// start from there.
func TestRuleEngineEvaluatesWeirAlertRules(t *testing.T) {
	enabled(t)
	bin := ensureBinaries(t)
	ctx := context.Background()
	dir := t.TempDir()

	scrapePath := filepath.Join(dir, "scrape.yaml")
	if err := os.WriteFile(scrapePath, []byte("scrape_configs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	metricsAddr := listen(t, "127.0.0.1")
	vm := start(t, "victoria-metrics", bin["victoria-metrics"], baseURL(metricsAddr),
		obslocal.MetricsArgs(metricsAddr, filepath.Join(dir, "metrics"), scrapePath), nil)

	rules, err := observability.Files.ReadFile(observability.AlertsFile)
	if err != nil {
		t.Fatal(err)
	}
	rulePath := filepath.Join(dir, "alerts.yaml")
	if err := os.WriteFile(rulePath, rules, 0o644); err != nil {
		t.Fatal(err)
	}
	rf, err := observability.ReadRules(observability.AlertsFile)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			want[g.Name+"/"+r.Alert] = true
		}
	}

	alertAddr := listen(t, "127.0.0.1")
	va := start(t, "vmalert", bin["vmalert"], baseURL(alertAddr),
		obslocal.AlertArgs(alertAddr, rulePath, baseURL(metricsAddr)), nil)
	c := &obslocal.Client{MetricsURL: baseURL(metricsAddr), AlertURL: baseURL(alertAddr), HTTP: &http.Client{Timeout: 10 * time.Second}}
	poll := testenv.Poll{Limit: 2 * time.Minute, Interval: time.Second, Diagnose: func() string {
		return "vmalert:\n" + va.tail() + "\nvictoria-metrics:\n" + vm.tail()
	}}

	testenv.Eventually(t, fmt.Sprintf("vmalert evaluated the %d rules of %s without error", len(want), observability.AlertsFile), poll, func() error {
		groups, err := c.Rules(ctx)
		if err != nil {
			return err
		}
		got := map[string]bool{}
		for _, g := range groups {
			for _, r := range g.Rules {
				id := g.Name + "/" + r.Name
				if r.Type != "alerting" || r.Health != "ok" || r.LastEvaluation.IsZero() {
					return fmt.Errorf("%s: type %s health %s last evaluation %s error %q", id, r.Type, r.Health, r.LastEvaluation, r.LastError)
				}
				got[id] = true
			}
		}
		if len(got) != len(want) {
			return fmt.Errorf("loaded %d rules %v, the file has %d: %v", len(got), got, len(want), want)
		}
		for id := range want {
			if !got[id] {
				return fmt.Errorf("rule %s of the file not loaded (loaded: %v)", id, got)
			}
		}
		return nil
	})

	// What the operator exports for a rolled-back FlinkDeployment in namespace x, and a
	// JobManager of app a in namespace y that runs no job.
	importSeries(t, c.MetricsURL,
		`weir_resources{lifecycle_state="ROLLED_BACK",kind="FlinkDeployment",namespace="x",instance="10.0.0.1:8443",pod="weir-operator-0"} 1`,
		`flink_jobmanager_numRunningJobs{namespace="y",app="a",pod="a-jm",instance="10.0.0.2:9249"} 0`,
	)
	var active []obslocal.Alert
	testenv.Eventually(t, "WeirUpgradeFailed firing for namespace x", poll, func() error {
		active, err = c.Alerts(ctx)
		if err != nil {
			return err
		}
		fired := obslocal.Active(active, "WeirUpgradeFailed", map[string]string{"namespace": "x", "kind": "FlinkDeployment", "lifecycle_state": "ROLLED_BACK"})
		if len(fired) != 1 || fired[0].State != obslocal.AlertFiring {
			return fmt.Errorf("WeirUpgradeFailed for x: %+v (active: %+v)", fired, active)
		}
		if len(obslocal.Active(active, "WeirFlinkJobNotRunning", nil)) == 0 {
			return fmt.Errorf("WeirFlinkJobNotRunning not active yet (active: %+v)", active)
		}
		return nil
	})
	// WeirFlinkJobNotRunning waits 5 minutes before it fires; the test ends well before.
	pending := obslocal.Active(active, "WeirFlinkJobNotRunning", map[string]string{"namespace": "y", "app": "a"})
	if len(pending) != 1 || pending[0].State != obslocal.AlertPending || pending[0].ActiveAt.IsZero() {
		t.Errorf("WeirFlinkJobNotRunning for y/a: %+v, want one pending since activeAt", pending)
	}
	// The rules whose series are absent hold for nothing.
	var names []string
	for _, a := range active {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	if got := strings.Join(names, ","); got != "WeirFlinkJobNotRunning,WeirUpgradeFailed" {
		t.Errorf("active alerts %s, want only WeirFlinkJobNotRunning and WeirUpgradeFailed: %+v", got, active)
	}

	testenv.Eventually(t, "the firing alert's ALERTS series in the metrics server", poll, func() error {
		s, err := one(c.QueryMetrics(ctx, `ALERTS{alertname="WeirUpgradeFailed"}`))
		if err != nil {
			return err
		}
		return wantLabels(s.Labels, map[string]string{"alertstate": "firing", "namespace": "x", "lifecycle_state": "ROLLED_BACK", "severity": "warning"})
	})

	// A restarted vmalert reads the pending alert's start back from the metrics server: its
	// `for:` clock goes on rather than starting again.
	testenv.Eventually(t, "the pending alert's ALERTS_FOR_STATE in the metrics server", poll, func() error {
		_, err := one(c.QueryMetrics(ctx, `ALERTS_FOR_STATE{alertname="WeirFlinkJobNotRunning",namespace="y",app="a"}`))
		return err
	})
	if err := va.stop(); err == nil {
		t.Fatal("vmalert exited by itself before it was stopped")
	}
	importSeries(t, c.MetricsURL, `flink_jobmanager_numRunningJobs{namespace="y",app="a",pod="a-jm",instance="10.0.0.2:9249"} 0`)
	alertAddr = listen(t, "127.0.0.1")
	va = start(t, "vmalert (restarted)", bin["vmalert"], baseURL(alertAddr),
		obslocal.AlertArgs(alertAddr, rulePath, baseURL(metricsAddr)), nil)
	c.AlertURL = baseURL(alertAddr)
	testenv.Eventually(t, "WeirFlinkJobNotRunning pending again after the restart, since the same time", poll, func() error {
		active, err := c.Alerts(ctx)
		if err != nil {
			return err
		}
		again := obslocal.Active(active, "WeirFlinkJobNotRunning", map[string]string{"namespace": "y", "app": "a"})
		if len(again) != 1 {
			return fmt.Errorf("WeirFlinkJobNotRunning for y/a: %+v", again)
		}
		if a := again[0]; a.State != obslocal.AlertPending || !a.Restored || !a.ActiveAt.Equal(pending[0].ActiveAt) {
			return fmt.Errorf("after the restart %s, restored %v, active at %s; before: pending, active at %s", a.State, a.Restored, a.ActiveAt, pending[0].ActiveAt)
		}
		return nil
	})
}

// importSeries writes one sample now of each line (Prometheus' text format) into the
// VictoriaMetrics at metricsURL.
func importSeries(t *testing.T, metricsURL string, lines ...string) {
	t.Helper()
	resp, err := http.Post(metricsURL+"/api/v1/import/prometheus", "text/plain", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("import: %s", resp.Status)
	}
}
