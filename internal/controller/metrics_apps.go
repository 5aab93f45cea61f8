package controller

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/status"
)

// appCollector counts FlinkDeployments and FlinkSessionJobs per namespace, and exports the
// per-resource gauges, from the manager's cache at scrape time: the numbers are those of
// one moment, and a reconcile pays nothing for them.
type appCollector struct {
	cache  client.Reader
	config *opconfig.Store
	rec    *lifecycleRecorder
	now    func() time.Time
}

var (
	perApp = []string{"kind", "namespace", "name"}

	descResources = prometheus.NewDesc("weir_resources",
		"FlinkDeployments and FlinkSessionJobs by namespace and lifecycleState (every state of a namespace with any, zeros included).",
		[]string{"kind", "namespace", "lifecycle_state"}, nil)
	descByJobStatus = prometheus.NewDesc("weir_resources_by_job_status",
		"FlinkDeployments and FlinkSessionJobs by namespace and status.jobStatus.state (UNKNOWN when not observed yet).",
		[]string{"kind", "namespace", "job_status"}, nil)
	descByJobManager = prometheus.NewDesc("weir_flinkdeployments_by_jobmanager_status",
		"FlinkDeployments by namespace and status.jobManagerDeploymentStatus.",
		[]string{"namespace", "status"}, nil)
	descWithError = prometheus.NewDesc("weir_resources_with_error",
		"FlinkDeployments and FlinkSessionJobs whose status.error is set.",
		[]string{"kind", "namespace"}, nil)
	descCheckpointAge = prometheus.NewDesc("weir_resource_last_checkpoint_age_seconds",
		"Age of the last checkpoint the operator triggered (status.jobStatus.checkpointInfo); per resource.", perApp, nil)
	descSavepointAge = prometheus.NewDesc("weir_resource_last_savepoint_age_seconds",
		"Age of the last savepoint in status.jobStatus.savepointInfo; per resource.", perApp, nil)
	descRestarts = prometheus.NewDesc("weir_resource_job_restarts",
		"The job's numRestarts at the last health check sample (FlinkDeployments with the health check on); per resource.", perApp, nil)
	descLastDowntime = prometheus.NewDesc("weir_resource_last_rollout_downtime_seconds",
		"How long the job was down in its last upgrade or rollback recorded in status.weir.rollouts (from the rollout's start to the new job RUNNING); per resource.", perApp, nil)
)

func (c *appCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descResources, descByJobStatus, descByJobManager, descWithError,
		descCheckpointAge, descSavepointAge, descRestarts, descLastDowntime} {
		ch <- d
	}
}

func (c *appCollector) Collect(ch chan<- prometheus.Metric) {
	s := metricsSettingsOf(c.config.Current())
	if !s.resources {
		return
	}
	// The cache answers from memory once synced; the timeout covers a scrape before that.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var deps v1beta1.FlinkDeploymentList
	var jobs v1beta1.FlinkSessionJobList
	if err := c.cache.List(ctx, &deps, client.UnsafeDisableDeepCopy); err != nil {
		log.Log.Error(err, "metrics: listing FlinkDeployments")
		return
	}
	if err := c.cache.List(ctx, &jobs, client.UnsafeDisableDeepCopy); err != nil {
		log.Log.Error(err, "metrics: listing FlinkSessionJobs")
		return
	}
	views := make([]appView, 0, len(deps.Items)+len(jobs.Items))
	for i := range deps.Items {
		views = append(views, viewOfDeployment(&deps.Items[i]))
	}
	for i := range jobs.Items {
		views = append(views, viewOf("FlinkSessionJob", &jobs.Items[i], &jobs.Items[i].Status.CommonStatus))
	}
	live := map[appKey]bool{}
	for _, v := range views {
		live[v.key] = true
	}
	if c.rec != nil {
		c.rec.forget(live)
	}
	for _, m := range appMetrics(views, c.now(), s.perResource) {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, m.value, m.labels...)
	}
}

// appView is what the metrics read of one resource.
type appView struct {
	key              appKey
	lifecycle        v1beta1.ResourceLifecycleState
	job              string
	jobManager       v1beta1.JobManagerDeploymentStatus // FlinkDeployments only
	hasError         bool
	checkpointMillis int64 // 0: none
	savepointMillis  int64
	restarts         *int64
	lastDowntime     *time.Duration // the newest finished rollout's (status.weir.rollouts)
}

func viewOf(kind string, obj client.Object, st *v1beta1.CommonStatus) appView {
	v := appView{key: appKey{kind, obj.GetNamespace(), obj.GetName()},
		lifecycle: lifecycleStateOrCreated(st.LifecycleState), job: st.JobStatus.State, hasError: st.Error != ""}
	if ci := st.JobStatus.CheckpointInfo; ci != nil && ci.LastCheckpoint != nil {
		v.checkpointMillis = ci.LastCheckpoint.TimeStamp
	}
	if si := st.JobStatus.SavepointInfo; si != nil {
		if si.LastSavepoint != nil {
			v.savepointMillis = si.LastSavepoint.TimeStamp
		}
		for _, sp := range si.SavepointHistory {
			v.savepointMillis = max(v.savepointMillis, sp.TimeStamp)
		}
	}
	rollouts := status.Rollouts(st)
	for i := len(rollouts) - 1; i >= 0; i-- {
		if d, ok := status.Downtime(rollouts[i]); ok {
			v.lastDowntime = &d
			break
		}
	}
	return v
}

func viewOfDeployment(d *v1beta1.FlinkDeployment) appView {
	v := viewOf("FlinkDeployment", d, &d.Status.CommonStatus)
	v.jobManager = d.Status.JobManagerDeploymentStatus
	if samples := healthSamples(&d.Status); len(samples) > 0 {
		v.restarts = &samples[len(samples)-1].NumRestarts
	}
	return v
}

// appMetric is one gauge sample.
type appMetric struct {
	desc   *prometheus.Desc
	labels []string
	value  float64
}

var (
	lifecycleStates = []v1beta1.ResourceLifecycleState{v1beta1.LifecycleCreated, v1beta1.LifecycleSuspended,
		v1beta1.LifecycleUpgrading, v1beta1.LifecycleDeployed, v1beta1.LifecycleStable,
		v1beta1.LifecycleRollingBack, v1beta1.LifecycleRolledBack, v1beta1.LifecycleFailed}
	jobStates = []string{jobstate.Initializing, jobstate.Created, jobstate.Running, jobstate.Failing,
		jobstate.Failed, jobstate.Cancelling, jobstate.Canceled, jobstate.Finished, jobstate.Restarting,
		jobstate.Suspended, jobstate.Reconciling, "UNKNOWN"}
	jobManagerStates = []v1beta1.JobManagerDeploymentStatus{v1beta1.JMReady, v1beta1.JMDeployedNotReady,
		v1beta1.JMDeploying, v1beta1.JMMissing, v1beta1.JMError}
)

// appMetrics turns the resources into samples: counts per kind and namespace over fixed
// label values (a value outside them counts as UNKNOWN, so no label grows with input), and
// with perResource the gauges labelled with each resource's name.
func appMetrics(views []appView, now time.Time, perResource bool) []appMetric {
	type group struct{ kind, namespace string }
	byLifecycle := map[group]map[string]int{}
	byJob := map[group]map[string]int{}
	byJM := map[string]map[string]int{}
	withError := map[group]int{}
	var out []appMetric
	age := func(millis int64) float64 { return max(0, now.Sub(time.UnixMilli(millis)).Seconds()) }
	for _, v := range views {
		g := group{v.key.kind, v.key.namespace}
		if byLifecycle[g] == nil {
			byLifecycle[g], byJob[g] = map[string]int{}, map[string]int{}
		}
		byLifecycle[g][string(v.lifecycle)]++
		job := v.job
		if !slices.Contains(jobStates, job) {
			job = "UNKNOWN"
		}
		byJob[g][job]++
		if v.key.kind == "FlinkDeployment" {
			if byJM[g.namespace] == nil {
				byJM[g.namespace] = map[string]int{}
			}
			byJM[g.namespace][string(v.jobManager)]++
		}
		if v.hasError {
			withError[g]++
		}
		if !perResource {
			continue
		}
		labels := []string{v.key.kind, v.key.namespace, v.key.name}
		if v.checkpointMillis > 0 {
			out = append(out, appMetric{descCheckpointAge, labels, age(v.checkpointMillis)})
		}
		if v.savepointMillis > 0 {
			out = append(out, appMetric{descSavepointAge, labels, age(v.savepointMillis)})
		}
		if v.restarts != nil {
			out = append(out, appMetric{descRestarts, labels, float64(*v.restarts)})
		}
		if v.lastDowntime != nil {
			out = append(out, appMetric{descLastDowntime, labels, v.lastDowntime.Seconds()})
		}
	}
	for g, counts := range byLifecycle {
		for _, s := range lifecycleStates {
			out = append(out, appMetric{descResources, []string{g.kind, g.namespace, string(s)}, float64(counts[string(s)])})
		}
		for _, s := range jobStates {
			out = append(out, appMetric{descByJobStatus, []string{g.kind, g.namespace, s}, float64(byJob[g][s])})
		}
		out = append(out, appMetric{descWithError, []string{g.kind, g.namespace}, float64(withError[g])})
	}
	for ns, counts := range byJM {
		for _, s := range jobManagerStates {
			out = append(out, appMetric{descByJobManager, []string{ns, string(s)}, float64(counts[string(s)])})
		}
	}
	return out
}
