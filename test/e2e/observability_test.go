package e2e

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
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
		`max(weir_flinkdeployment_observation_age_seconds) >= 0`,
	} {
		l.eventually("the metrics server answers "+q, func() error { return nonEmpty(l.ctx, oc, q) })
	}

	// The per-app gauges, for what the app's status holds (a run of selected steps may have
	// no rollout or savepoint yet).
	st := l.get().Status
	perApp := fmt.Sprintf(`{namespace=%q,name=%q}`, ns, name)
	if st.Weir != nil && len(st.Weir.Rollouts) > 0 {
		l.eventually("the last rollout's downtime per app", func() error {
			return nonEmpty(l.ctx, oc, "weir_resource_last_rollout_downtime_seconds"+perApp)
		})
	}
	if st.JobStatus.SavepointInfo != nil && st.JobStatus.SavepointInfo.LastSavepoint != nil {
		l.eventually("the last savepoint's age per app", func() error {
			return nonEmpty(l.ctx, oc, "weir_resource_last_savepoint_age_seconds"+perApp)
		})
	}

	// A checkpoint the operator triggers (`weir app checkpoint`) gives the app its
	// checkpoint-age gauge.
	if _, n, err := l.c.TriggerCheckpoint(l.ctx, l.key); err != nil {
		l.t.Fatalf("checkpoint: %v", err)
	} else {
		l.eventually("the operator-triggered checkpoint's age", func() error {
			return nonEmpty(l.ctx, oc, "weir_resource_last_checkpoint_age_seconds"+perApp)
		})
		l.t.Logf("checkpoint %d triggered through the spec's nonce", n)
	}

	// Series an app has only in some configurations: empty for a reason its status shows.
	absent := map[string]string{}
	if conf, _ := l.get().Spec.FlinkConfiguration.Flatten(); conf["kubernetes.operator.cluster.health-check.enabled"] != "true" {
		absent["weir_resource_job_restarts"] = "the app runs without the operator's health check"
	}
	// A counter of failures has no series until something fails.
	if nonEmpty(l.ctx, oc, fmt.Sprintf(`weir_flink_rest_request_errors_total{namespace=%q}`, ns)) != nil {
		absent["weir_flink_rest_request_errors_total"] = "no Flink REST call of the namespace has failed"
	}
	qs, err := observability.Queries()
	if err != nil {
		l.t.Fatal(err)
	}
	vars := map[string]string{"namespace": ns, "app": name}
	var panels, rules, conditions int
	var empty, noData []string
	for _, q := range qs {
		dashboard := strings.HasPrefix(q.Source, "dashboards/")
		if dashboard {
			panels++
		} else {
			rules++
		}
		expr := observability.Expand(q.Expr, vars)
		if dashboard && nonEmpty(l.ctx, oc, expr) == nil {
			continue
		}
		// A panel of problems ("… > 0") or an alert rule is empty while all is well: its
		// expression without the final comparison must return series.
		if inner, ok := withoutCondition(expr); ok && nonEmpty(l.ctx, oc, inner) == nil {
			conditions++
			continue
		}
		// Else every series it reads must exist for the app's namespace: a wrong name or
		// label empties it.
		names, err := observability.MetricNames(q.Expr)
		if err != nil {
			l.t.Fatalf("%s: %v", q.Source, err)
		}
		for _, n := range names {
			if why, ok := absent[n]; ok {
				noData = append(noData, fmt.Sprintf("%s (%s)", q.Source, why))
				continue
			}
			sel := fmt.Sprintf(`count(%s{namespace=%q})`, n, ns)
			if err := nonEmpty(l.ctx, oc, sel); err != nil {
				empty = append(empty, fmt.Sprintf("%s: %s: %v", q.Source, sel, err))
			}
		}
	}
	if len(empty) > 0 {
		l.t.Errorf("%d dashboard queries (of %d) and alert rules (of %d) read series the metrics server does not have for namespace %s:\n  %s\nthe metrics server holds:\n%s",
			len(empty), panels, rules, ns, strings.Join(empty, "\n  "), metricsView(l.ctx, ns, name))
	}
	l.t.Logf("metrics server: %d dashboard queries and %d alert rules checked for %s/%s: %d conditions hold nothing now but their series are there; empty by configuration: %v",
		panels, rules, ns, name, conditions, noData)

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
	// The pods the JobManager and TaskManager steps deleted: their lines are still in the
	// store, by pod and through `weir app logs --from-store` (--taskmanagers for theirs).
	for _, gone := range []struct {
		what string
		pods []string
		tms  bool
	}{{"JobManager", l.killedJobManagers, false}, {"TaskManager", l.killedTaskManagers, true}} {
		if len(gone.pods) == 0 {
			l.t.Errorf("no %s was deleted earlier in the run: nothing to look for after its pod is gone", gone.what)
			continue
		}
		for _, pod := range gone.pods {
			q := logstore.AppFilter(ns, name, "", pod, 3*time.Hour)
			l.eventually("the deleted "+gone.what+" "+pod+"'s lines", func() error {
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
		var b bytes.Buffer
		o := app.LogOptions{TaskManagers: gone.tms, FromStore: true, Store: obslocal.LogsURL(), Since: 3 * time.Hour}
		if err := l.c.StreamLogs(l.ctx, l.key, o, &b); err != nil {
			l.t.Fatalf("logs --from-store (%s): %v\n%s", gone.what, err, b.String())
		}
		for _, pod := range gone.pods {
			if !strings.Contains(b.String(), "["+pod+"] ") {
				l.t.Errorf("logs --from-store has no line of the deleted %s %s:\n%s", gone.what, pod, tail(b.String(), 3000))
			}
		}
		l.t.Logf("log store: the %d %s pod(s) deleted earlier still have their lines; logs --from-store (%s): %d lines",
			len(gone.pods), gone.what, gone.what, strings.Count(b.String(), "\n"))
	}
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

// trailingCondition is a final comparison with a number, as in "sum(x) > 0".
var trailingCondition = regexp.MustCompile(`\s*(>|<|==|!=|>=|<=)\s*[0-9.e+*\s]+$`)

// withoutCondition strips expr's final comparison, if it has one.
func withoutCondition(expr string) (string, bool) {
	loc := trailingCondition.FindStringIndex(expr)
	if loc == nil {
		return expr, false
	}
	return expr[:loc[0]], true
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

// alertWatch polls the local platform's rule engine (vmalert, which evaluates
// deploy/observability's alert rules) every few seconds while a step runs, and records the
// watched alerts it reports active: when, with which labels and in which states.
type alertWatch struct {
	mu    sync.Mutex
	seen  map[string]*alertSeen
	want  map[string]map[string]string
	oc    *obslocal.Client
	stop  context.CancelFunc
	done  chan struct{}
	ctx   context.Context
	polls int
}

// alertSeen is what a watch saw of one alert.
type alertSeen struct {
	labels   map[string]string
	activeAt time.Time
	states   []string // in the order first seen: pending, then firing
	first    time.Time
}

func (a *alertSeen) String() string {
	return fmt.Sprintf("%s since %s (first seen %s) %v", strings.Join(a.states, " then "),
		a.activeAt.Format(time.TimeOnly), a.first.Format(time.TimeOnly), a.labels)
}

// watchAlerts starts watching the rule engine's active alerts: for each alert name, the
// labels its alert must have (e.g. the app's namespace).
func (l *lifecycleRun) watchAlerts(want map[string]map[string]string) *alertWatch {
	ctx, cancel := context.WithCancel(l.ctx)
	w := &alertWatch{seen: map[string]*alertSeen{}, want: want, oc: obslocal.NewClient(), stop: cancel, done: make(chan struct{}), ctx: l.ctx}
	go func() {
		defer close(w.done)
		for {
			w.poll(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
	}()
	return w
}

func (w *alertWatch) poll(ctx context.Context) {
	active, err := w.oc.Alerts(ctx)
	if err != nil {
		return // the rule engine is polled again; finish polls once more
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls++
	for name, labels := range w.want {
		for _, a := range obslocal.Active(active, name, labels) {
			s := w.seen[name]
			if s == nil {
				s = &alertSeen{labels: a.Labels, activeAt: a.ActiveAt, first: time.Now()}
				w.seen[name] = s
			}
			if !slices.Contains(s.states, a.State) {
				s.states = append(s.states, a.State)
			}
		}
	}
}

// finish stops the watch after one last poll and returns, per alert name, what it saw.
func (w *alertWatch) finish() map[string]*alertSeen {
	w.stop()
	<-w.done
	w.poll(w.ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// alertFiring asks the rule engine whether alert fires with the labels want.
func (l *lifecycleRun) alertFiring(alert string, want map[string]string) error {
	active, err := obslocal.NewClient().Alerts(l.ctx)
	if err != nil {
		return err
	}
	for _, a := range obslocal.Active(active, alert, want) {
		if a.State == obslocal.AlertFiring {
			return nil
		}
	}
	return fmt.Errorf("the rule engine has no firing %s with %v; active: %+v", alert, want, active)
}
