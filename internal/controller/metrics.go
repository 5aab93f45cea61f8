package controller

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/opconfig"
)

// The operator's own metrics, served on the manager's /metrics (docs/metrics.md).
// Counts and per-resource gauges are read from the manager's cache at scrape time
// (metrics_apps.go); lifecycle histograms are recorded at each status write
// (metrics_lifecycle.go); Flink REST calls are timed where the client sends them.

// metricsSettings are the metric switches of the operator config, read when used so that
// a reload applies without a restart.
type metricsSettings struct {
	resources, lifecycle, namespaceHistograms, perResource bool
}

func metricsSettingsOf(c *opconfig.Config) metricsSettings {
	flag := func(key string) bool {
		v, ok := c.Get(key)
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); ok && err == nil {
			return b
		}
		return true // each switch is on by default; a malformed value keeps it so
	}
	return metricsSettings{
		resources:           flag(opconfig.ResourceMetricsEnabled),
		lifecycle:           flag(opconfig.LifecycleMetricsEnabled),
		namespaceHistograms: flag(opconfig.LifecycleNamespaceHistos),
		perResource:         flag(opconfig.PerResourceMetricsEnabled),
	}
}

// lifecycleBuckets span a quick submission to a day-long suspension, in seconds.
var lifecycleBuckets = []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600, 86400}

var (
	flinkRESTSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_flink_rest_request_duration_seconds",
		Help:    "Time of one Flink REST call of the operator, retries included, by operation (method and path, ids replaced).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
	}, []string{"operation"})
	flinkRESTErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_flink_rest_request_errors_total",
		Help: "Flink REST calls of the operator that failed, by operation and reason (http_4xx, http_5xx, timeout, transport, canceled, other).",
	}, []string{"operation", "reason"})
	lifecycleStateSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_lifecycle_state_seconds",
		Help:    "Time a resource spent in a lifecycleState, recorded when it leaves the state.",
		Buckets: lifecycleBuckets,
	}, []string{"kind", "namespace", "state"})
	lifecycleTransitionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_lifecycle_transition_seconds",
		Help:    "Time of a lifecycle transition (Resume, Upgrade, Suspend, Submission, Stabilization, Rollback), as FKO's Lifecycle.Transition.",
		Buckets: lifecycleBuckets,
	}, []string{"kind", "namespace", "transition"})
	rolloutDowntimeSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_rollout_downtime_seconds",
		Help:    "Time a job was not RUNNING during an upgrade or rollback by the operator, from leaving RUNNING to RUNNING again.",
		Buckets: lifecycleBuckets,
	}, []string{"kind", "namespace"})
)

// lifecycleRecorder holds the tracks of the apps this operator wrote status for.
type lifecycleRecorder struct {
	config *opconfig.Store
	now    func() time.Time
	mu     sync.Mutex
	tracks map[appKey]*lifecycleTrack
}

type appKey struct{ kind, namespace, name string }

// recorder is the process's lifecycle recorder, set by RegisterMetrics; nil records nothing
// (unit tests of the reconcilers' parts, a manager without metrics).
var recorder *lifecycleRecorder

// RegisterMetrics adds the operator's metrics to controller-runtime's registry, once per
// process (tests build several managers): the counts and per-resource gauges read from
// cache (the manager's), the lifecycle histograms and the Flink REST metrics.
func RegisterMetrics(cache client.Reader, config *opconfig.Store) error {
	rec := &lifecycleRecorder{config: config, now: time.Now, tracks: map[appKey]*lifecycleTrack{}}
	for _, c := range []prometheus.Collector{
		&appCollector{cache: cache, config: config, rec: rec, now: time.Now},
		flinkRESTSeconds, flinkRESTErrors, lifecycleStateSeconds, lifecycleTransitionSeconds, rolloutDowntimeSeconds,
	} {
		err := metrics.Registry.Register(c)
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			return nil // an earlier manager of this process registered them
		}
		if err != nil {
			return err
		}
	}
	recorder = rec
	return nil
}

// InstrumentFlink makes every client of f report its calls to the Flink REST metrics.
func InstrumentFlink(f FlinkClientFactory) FlinkClientFactory {
	return func(baseURL string) (rest.API, error) {
		api, err := f(baseURL)
		if c, ok := api.(*rest.Client); ok && err == nil {
			c.ObserveCalls(observeFlinkCall)
		}
		return api, err
	}
}

func observeFlinkCall(op string, took time.Duration, err error) {
	flinkRESTSeconds.WithLabelValues(op).Observe(took.Seconds())
	if err != nil {
		flinkRESTErrors.WithLabelValues(op, rest.ErrorReason(err)).Inc()
	}
}

// recordStatus feeds a status just written to the lifecycle metrics.
func recordStatus(obj client.Object) {
	if recorder != nil {
		recorder.record(obj)
	}
}

func (r *lifecycleRecorder) record(obj client.Object) {
	var kind string
	var st *v1beta1.CommonStatus
	switch o := obj.(type) {
	case *v1beta1.FlinkDeployment:
		kind, st = "FlinkDeployment", &o.Status.CommonStatus
	case *v1beta1.FlinkSessionJob:
		kind, st = "FlinkSessionJob", &o.Status.CommonStatus
	default:
		return
	}
	s := metricsSettingsOf(r.config.Current())
	if !s.resources || !s.lifecycle {
		return
	}
	now := r.now()
	key := appKey{kind, obj.GetNamespace(), obj.GetName()}
	r.mu.Lock()
	t, ok := r.tracks[key]
	if !ok {
		r.tracks[key] = newLifecycleTrack(st.LifecycleState, st.JobStatus.State, now)
		r.mu.Unlock()
		return
	}
	obs := t.update(st.LifecycleState, st.JobStatus.State, now)
	r.mu.Unlock()
	ns := key.namespace
	if !s.namespaceHistograms {
		ns = ""
	}
	for _, o := range obs {
		switch o.kind {
		case "state":
			lifecycleStateSeconds.WithLabelValues(kind, ns, o.name).Observe(o.seconds)
		case "transition":
			lifecycleTransitionSeconds.WithLabelValues(kind, ns, o.name).Observe(o.seconds)
		case "downtime":
			rolloutDowntimeSeconds.WithLabelValues(kind, ns).Observe(o.seconds)
		}
	}
}

// forget drops the tracks of the apps not in live (deleted, or no longer watched).
func (r *lifecycleRecorder) forget(live map[appKey]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.tracks {
		if !live[k] {
			delete(r.tracks, k)
		}
	}
}
