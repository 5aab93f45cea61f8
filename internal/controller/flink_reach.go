package controller

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/reachability"
)

// Observation reads a JobManager's status with short, bounded calls: a JobManager that
// does not answer within observeAttempts × observeAttemptTimeout is treated as unreachable
// and re-tried with per-app backoff (reachability). Calls that change Flink (jar run,
// savepoint trigger) keep the client's long timeouts.
const (
	observeAttemptTimeout = 3 * time.Second
	observeAttempts       = 2
)

// errBackingOff stands for a JobManager that is known down and not asked this time.
var errBackingOff = errors.New("JobManager unreachable; backing off")

// observeCtx bounds the status reads of one observation.
func observeCtx(ctx context.Context) context.Context {
	return rest.WithCallAttempts(rest.WithCallTimeout(ctx, observeAttemptTimeout), observeAttempts)
}

// overview asks the JobManager for its overview if it answered last time. A new or dead
// JobManager is probed in the background (a dead one when its backoff runs out); the
// reconcile never waits for it, and a probe that gets an answer wakes the app.
func (r *FlinkDeploymentReconciler) overview(ctx context.Context, obj client.Object, fl rest.API) (*rest.ClusterOverview, error) {
	key := client.ObjectKeyFromObject(obj).String()
	switch r.reach.Decide(key, r.Clock.Now()) {
	case reachability.Wait:
		return nil, errBackingOff
	case reachability.Probe:
		go r.probe(key, obj.DeepCopyObject().(client.Object), fl)
		return nil, errBackingOff
	}
	ov, err := fl.Overview(observeCtx(ctx))
	r.reachResult(key, err)
	return ov, err
}

// reachResult records the outcome of an inline call to an app's JobManager.
func (r *FlinkDeploymentReconciler) reachResult(key string, err error) {
	if err != nil {
		r.reach.Failed(key, r.Clock.Now())
		return
	}
	r.reach.Succeeded(key)
}

// probe makes one short attempt; an answer wakes the app's reconcile at once.
func (r *FlinkDeploymentReconciler) probe(key string, obj client.Object, fl rest.API) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*observeAttemptTimeout)
	defer cancel()
	_, err := fl.Overview(rest.WithCallAttempts(rest.WithCallTimeout(ctx, observeAttemptTimeout), 1))
	r.reachResult(key, err)
	if err == nil {
		select {
		case r.wake <- event.GenericEvent{Object: obj}:
		default: // the queue is busy; the periodic requeue finds it
		}
	}
}

// reachCollector exports the observation ages and unreachable JobManagers, computed on
// scrape from the tracker: no API request and no per-app series.
type reachCollector struct {
	tracker *reachability.Tracker
	now     func() time.Time
}

var (
	descObservationAge = prometheus.NewDesc("weir_flinkdeployment_observation_age_seconds",
		"Time since each FlinkDeployment was last observed (summary over all apps).", nil, nil)
	descUnreachable = prometheus.NewDesc("weir_flinkdeployment_jobmanager_unreachable",
		"FlinkDeployments whose JobManager REST API is backing off.", nil, nil)
)

func (c reachCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descObservationAge
	ch <- descUnreachable
}

func (c reachCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.tracker.Stats(c.now())
	var sum float64
	for _, a := range s.Ages {
		sum += a.Seconds()
	}
	q := map[float64]float64{}
	for _, p := range []float64{0.5, 0.99, 1} {
		q[p] = reachability.Quantile(s.Ages, p).Seconds()
	}
	ch <- prometheus.MustNewConstSummary(descObservationAge, uint64(s.Apps), sum, q)
	ch <- prometheus.MustNewConstMetric(descUnreachable, prometheus.GaugeValue, float64(s.Unreachable))
}

// registerReachMetrics adds the collector once per process (tests build several managers).
func registerReachMetrics(t *reachability.Tracker, now func() time.Time) error {
	err := metrics.Registry.Register(reachCollector{tracker: t, now: now})
	var already prometheus.AlreadyRegisteredError
	if err != nil && !errors.As(err, &already) {
		return err
	}
	return nil
}
