package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"weir.dev/weir/deploy/observability"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/logstore"
	"weir.dev/weir/internal/obslocal"
)

// The lifecycle runs with the local platform's observability (`up --with observability`):
// VictoriaMetrics scrapes the operator and every pod annotated for Prometheus (the app's
// JobManager and TaskManagers, whose reporter its profile turns on), vlagent ships every
// container's log lines to VictoriaLogs. These checks look at the app as a platform team
// would, through those stores only.

// observability checks, late in the run (after the JobManager and TaskManager kills and a
// failed upgrade, so the error and restart series exist):
//   - the series the platform needs: records in, checkpoint duration, weir's lifecycle and
//     per-app gauges;
//   - every dashboard panel query returns series for this app, and every series name an alert
//     rule uses exists: no panel or rule is empty because of a wrong name;
//   - JobManager and TaskManager lines are in the log store with the app's labels and the
//     JSON layout's fields, and the TaskManagers deleted earlier still have theirs.
func (l *lifecycleRun) observability() {
	oc := obslocal.NewClient()
	ns, name := l.key.Namespace, l.key.Name
	sel := fmt.Sprintf(`namespace=%q,app=%q`, ns, name)
	for _, q := range []string{
		`sum(flink_taskmanager_job_task_operator_numRecordsIn{` + sel + `}) > 0`,
		`max(flink_jobmanager_job_lastCheckpointDuration{` + sel + `}) >= 0`,
		`max(flink_jobmanager_job_numberOfCompletedCheckpoints{` + sel + `}) > 0`,
		`max(weir_resources{namespace="` + ns + `",kind="FlinkDeployment"}) > 0`,
		`max(weir_lifecycle_state_seconds_count) > 0`,
		`max(weir_resource_last_checkpoint_age_seconds{namespace="` + ns + `",name="` + name + `"}) >= 0`,
	} {
		l.eventually("the metrics server answers "+q, func() error { return nonEmpty(l.ctx, oc, q) })
	}

	qs, err := observability.Queries()
	if err != nil {
		l.t.Fatal(err)
	}
	vars := map[string]string{"namespace": ns, "app": name}
	var panels, rules int
	var empty []string
	for _, q := range qs {
		if strings.HasPrefix(q.Source, "dashboards/") {
			panels++
			expr := observability.Expand(q.Expr, vars)
			if err := nonEmpty(l.ctx, oc, expr); err != nil {
				empty = append(empty, fmt.Sprintf("%s: %s: %v", q.Source, expr, err))
			}
			continue
		}
		rules++
		names, err := observability.MetricNames(q.Expr)
		if err != nil {
			l.t.Fatalf("%s: %v", q.Source, err)
		}
		for _, n := range names {
			if err := nonEmpty(l.ctx, oc, "count("+n+")"); err != nil {
				empty = append(empty, fmt.Sprintf("%s: series %s: %v", q.Source, n, err))
			}
		}
	}
	if len(empty) > 0 {
		l.t.Errorf("%d of %d dashboard queries and %d alert rules came back empty from the metrics server:\n  %s\nthe metrics server holds:\n%s",
			len(empty), panels, rules, strings.Join(empty, "\n  "), metricsView(l.ctx, ns, name))
	}
	l.t.Logf("metrics server: %d dashboard queries returned series for %s/%s; the series of %d alert rules exist", panels, ns, name, rules)

	for _, component := range []string{"jobmanager", "taskmanager"} {
		q := logstore.AppFilter(ns, name, component, "", 3*time.Hour) // what `weir app logs --store` asks
		l.eventually("the log store holds the "+component+"'s lines", func() error {
			lines, err := logstore.New(obslocal.LogsURL()).Lines(l.ctx, q, 20)
			if err != nil {
				return err
			}
			for _, e := range lines {
				// weir's JSON layout: the shipper parsed the line into fields.
				if e["app"] == name && e["namespace"] == ns && e["pod"] == e[logstore.FieldPod] && e["level"] != "" {
					return nil
				}
			}
			return fmt.Errorf("%d lines for %s, none with the JSON layout's app, namespace, pod and level fields: %v", len(lines), q, first(lines))
		})
	}
	if len(l.killedTaskManagers) == 0 {
		l.t.Fatal("no TaskManager was deleted earlier in the run: nothing to look for after its pod is gone")
	}
	for _, pod := range l.killedTaskManagers {
		q := logstore.AppFilter(ns, name, "", pod, 3*time.Hour)
		l.eventually("the deleted TaskManager "+pod+"'s lines", func() error {
			lines, err := logstore.New(obslocal.LogsURL()).Lines(l.ctx, q, 5)
			if err != nil {
				return err
			}
			if len(lines) == 0 {
				return fmt.Errorf("no lines for %s", q)
			}
			return nil
		})
	}
	l.t.Logf("log store: JobManager and TaskManager lines with their fields; the %d TaskManager pod(s) deleted earlier still have their lines", len(l.killedTaskManagers))

	// `weir app logs --taskmanagers --from-store`: the same lines through the CLI's path,
	// each with its pod, the deleted ones among them.
	var b bytes.Buffer
	o := app.LogOptions{TaskManagers: true, FromStore: true, Store: obslocal.LogsURL(), Since: 3 * time.Hour}
	if err := l.c.StreamLogs(l.ctx, l.key, o, &b); err != nil {
		l.t.Fatalf("logs --taskmanagers --from-store: %v\n%s", err, b.String())
	}
	for _, pod := range l.killedTaskManagers {
		if !strings.Contains(b.String(), "["+pod+"] ") {
			l.t.Errorf("logs --from-store has no line of the deleted TaskManager %s:\n%s", pod, tail(b.String(), 3000))
		}
	}
	l.t.Logf("logs --taskmanagers --from-store: %d lines", strings.Count(b.String(), "\n"))
}

// metricsView is what the metrics server holds about the app's namespace, for a failed
// check's message: its scrape targets and the series the alert rules read.
func metricsView(ctx context.Context, ns, name string) string {
	oc := obslocal.NewClient()
	var b strings.Builder
	for _, q := range []string{
		`up`,
		fmt.Sprintf(`flink_jobmanager_numRunningJobs{namespace=%q}`, ns),
		fmt.Sprintf(`count by (app, component, pod) ({namespace=%q, app=%q, __name__=~"flink_.*"})`, ns, name),
		fmt.Sprintf(`weir_resources_by_job_status{namespace=%q} > 0`, ns),
		fmt.Sprintf(`weir_resources_with_error{namespace=%q}`, ns),
	} {
		s, err := oc.QueryMetrics(ctx, q)
		fmt.Fprintf(&b, "  %s:", q)
		if err != nil {
			fmt.Fprintf(&b, " %v\n", err)
			continue
		}
		if len(s) == 0 {
			b.WriteString(" no series\n")
			continue
		}
		b.WriteString("\n")
		for _, x := range s {
			fmt.Fprintf(&b, "    %v = %g\n", x.Labels, x.Value)
		}
	}
	return b.String()
}

// nonEmpty runs query and says why it returned no series.
func nonEmpty(ctx context.Context, oc *obslocal.Client, query string) error {
	s, err := oc.QueryMetrics(ctx, query)
	if err != nil {
		return err
	}
	if len(s) == 0 {
		return fmt.Errorf("no series")
	}
	return nil
}

func first(lines []logstore.Entry) logstore.Entry {
	if len(lines) == 0 {
		return nil
	}
	return lines[0]
}

// alertWatch evaluates alert rules against the metrics server every few seconds while a
// step runs, and records which of them returned a series for the app: the rule's condition
// held (its `for:` hold is left to the rule engine).
type alertWatch struct {
	mu     sync.Mutex
	fired  map[string]string
	stop   context.CancelFunc
	done   chan struct{}
	alerts []observability.Rule
}

// watchAlerts starts watching the named rules of deploy/observability's alert file for
// series whose labels match want (e.g. namespace and app).
func (l *lifecycleRun) watchAlerts(want map[string]string, names ...string) *alertWatch {
	rf, err := observability.ReadRules("alerts/weir-alerts.yaml")
	if err != nil {
		l.t.Fatal(err)
	}
	w := &alertWatch{fired: map[string]string{}, done: make(chan struct{})}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			for _, n := range names {
				if r.Alert == n {
					w.alerts = append(w.alerts, r)
				}
			}
		}
	}
	if len(w.alerts) != len(names) {
		l.t.Fatalf("alert rules %v: found %d", names, len(w.alerts))
	}
	ctx, cancel := context.WithCancel(l.ctx)
	w.stop = cancel
	oc := obslocal.NewClient()
	go func() {
		defer close(w.done)
		for {
			for _, r := range w.alerts {
				s, err := oc.QueryMetrics(ctx, r.Expr)
				if err != nil {
					continue
				}
				for _, x := range s {
					if matches(x.Labels, want) {
						w.mu.Lock()
						if _, ok := w.fired[r.Alert]; !ok {
							w.fired[r.Alert] = fmt.Sprintf("%v = %g at %s", x.Labels, x.Value, time.Now().Format(time.TimeOnly))
						}
						w.mu.Unlock()
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
	}()
	return w
}

// finish stops the watch and returns, per rule name, when and with what its condition held.
func (w *alertWatch) finish() map[string]string {
	w.stop()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}
