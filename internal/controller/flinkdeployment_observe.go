package controller

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/status"
)

// observed is what one look at the cluster and at Flink found. The observer reads (it only
// repairs drift in the objects whose re-creation is harmless, drift.go); the result goes
// into status and into the planner.
type observed struct {
	jm           v1beta1.JobManagerDeploymentStatus
	terminating  bool   // the JobManager Deployment is being deleted
	deployedHash string // spec hash on the JobManager Deployment
	configHash   string // hash of the Flink configuration the JobManager pods started with
	// The TaskManager Deployment (standalone clusters): missing, being deleted, its spec hash.
	tmMissing, tmTerminating bool
	tmHash                   string
	haMetadata               bool // Flink's HA ConfigMaps hold job data
	tmReplicas               int32
	jmCreated                time.Time // the JobManager Deployment's creation (zero when missing)
	flink                    rest.API  // nil while the REST API cannot be reached
	job                      *rest.JobOverview
	clusterInfo              map[string]string
	health                   *lifecycle.HealthSample // nil unless sampled this round
	lastCheckpoint           *lifecycle.Snapshot     // nil unless a last-state upgrade has a maximum checkpoint age
}

func (o observed) jobRunning() bool {
	return o.job != nil && o.job.State == rest.JobRunning && o.flink != nil
}

// jobTerminal says whether the cluster's job has ended for good (finished, cancelled,
// failed, or stopped with a savepoint).
func (o observed) jobTerminal() bool {
	return o.job != nil && o.job.State.IsGloballyTerminal()
}

// observe reads the JobManager Deployment, Flink's HA data, the TaskManagers and the job,
// and writes what it saw into status.
func (r *FlinkDeploymentReconciler) observe(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec, opts lifecycle.Options) (observed, error) {
	obs, err := r.look(ctx, dep, spec)
	if err != nil {
		return obs, err
	}
	if err := r.repairDrift(ctx, dep, spec, obs); err != nil {
		return obs, err
	}
	if opts.HealthCheckEnabled && lifecycle.HealthSampleDue(healthSamples(&dep.Status), r.Clock.Now(), pollSettling, opts) {
		obs.health = sampleHealth(observeCtx(ctx), obs, r.Clock.Now())
	}
	if opts.LastStateMaxCheckpointAge > 0 && obs.jobRunning() {
		obs.lastCheckpoint = latestCheckpoint(observeCtx(ctx), obs.flink, obs.job.ID)
	}
	prevJobState := dep.Status.JobStatus.State
	now := r.Clock.Now()
	var cps *status.RolloutCheckpoints
	if obs.jobRunning() {
		cps = rolloutCheckpoints(observeCtx(ctx), &dep.Status.CommonStatus, now, obs.flink, obs.job.ID)
	}
	err = patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		st := &d.Status
		st.JobManagerDeploymentStatus = obs.jm
		st.TaskManager = &v1beta1.TaskManagerInfo{
			LabelSelector: resources.TaskManagerSelector(d.Name), Replicas: obs.tmReplicas,
		}
		for k, v := range obs.clusterInfo {
			if st.ClusterInfo == nil {
				st.ClusterInfo = map[string]string{}
			}
			st.ClusterInfo[k] = v
		}
		recordHealth(st, obs.health, opts)
		if spec.IsApplication() {
			status.ApplyJob(&st.JobStatus, obs.job, obs.jm, obs.flink != nil)
			trackRollouts(&st.CommonStatus, now, obs.jm, cps)
		}
	})
	if err != nil {
		return obs, err
	}
	r.reach.Observed(client.ObjectKeyFromObject(dep).String(), r.Clock.Now())
	if now := dep.Status.JobStatus.State; now != prevJobState && now != "" && prevJobState != "" {
		r.Recorder.Eventf(dep, corev1.EventTypeNormal, ReasonJobStatusChanged, "Job status changed from %s to %s", prevJobState, now)
	}
	if obs.job != nil {
		failed := obs.job.State == rest.JobFailed
		failure := r.exceptions.report(ctx, r.Recorder, dep, obs.flink, obs.job.ID, failed, opts)
		if err := r.core().recordJobFailure(ctx, dep, failed, failure); err != nil {
			return obs, err
		}
		if failing, ok := r.checkpoints.check(ctx, dep.UID, obs.flink, obs.job, r.Clock.Now()); ok {
			if err := r.core().recordCheckpointFailure(ctx, dep, failing); err != nil {
				return obs, err
			}
		}
	}
	return obs, nil
}

// look gathers the facts without writing anything.
func (r *FlinkDeploymentReconciler) look(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) (observed, error) {
	n := resources.Names(dep.Name)
	var obs observed
	ha, err := r.haMetadata(ctx, dep)
	if err != nil {
		return obs, err
	}
	obs.haMetadata = ha
	tmDep := &appsv1.Deployment{}
	err = r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: n.TaskManager}, tmDep)
	switch {
	case apierrors.IsNotFound(err):
		obs.tmMissing = true
	case err != nil:
		return obs, fmt.Errorf("while reading TaskManager Deployment: %w", err)
	default:
		obs.tmTerminating, obs.tmHash = !tmDep.DeletionTimestamp.IsZero(), tmDep.Annotations[annSpecHash]
	}
	jmDep := &appsv1.Deployment{}
	err = r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: n.JobManager}, jmDep)
	switch {
	case apierrors.IsNotFound(err):
		obs.jm = v1beta1.JMMissing
		return obs, nil
	case err != nil:
		return obs, fmt.Errorf("while reading JobManager Deployment: %w", err)
	}
	if !jmDep.DeletionTimestamp.IsZero() {
		obs.jm, obs.terminating = v1beta1.JMDeploying, true // neither missing nor usable
		return obs, r.countTaskManagers(ctx, dep, &obs)
	}
	obs.jmCreated = jmDep.CreationTimestamp.Time
	obs.deployedHash = jmDep.Annotations[annSpecHash]
	obs.configHash = jmDep.Spec.Template.Annotations[annConfigHash]
	obs.jm = jobManagerState(jmDep)
	if obs.jm != v1beta1.JMDeployedNotReady || r.Flink == nil {
		return obs, r.countTaskManagers(ctx, dep, &obs)
	}
	fl, url, err := restClient(ctx, r.Client, r.Flink, dep.Namespace, dep.Name)
	if err != nil || fl == nil {
		return obs, err
	}
	ov, err := r.overview(ctx, dep, fl)
	if err != nil {
		log.FromContext(ctx).V(1).Info("Flink REST not reachable yet", "url", url, "reason", err.Error())
		return obs, r.countTaskManagers(ctx, dep, &obs)
	}
	obs.jm, obs.flink = v1beta1.JMReady, fl
	obs.clusterInfo = map[string]string{"flink-version": ov.FlinkVersion, "flink-revision": ov.FlinkCommit}
	obs.tmReplicas = int32(ov.TaskManagers)
	if spec.IsApplication() {
		if obs.job, err = latestJob(observeCtx(ctx), fl); err != nil {
			r.reachResult(client.ObjectKeyFromObject(dep).String(), err)
			obs.flink = nil
		}
	}
	return obs, nil
}

// haMetadata says whether Flink's Kubernetes HA ConfigMaps for the cluster hold a job
// graph or checkpoint pointers, which is what last-state recovery needs.
func (r *FlinkDeploymentReconciler) haMetadata(ctx context.Context, dep *v1beta1.FlinkDeployment) (bool, error) {
	cms, err := haConfigMaps(ctx, r.Client, dep)
	if err != nil {
		return false, err
	}
	return HoldsJobData(cms), nil
}

// countTaskManagers fills the TaskManager count from pods when Flink cannot be asked.
func (r *FlinkDeploymentReconciler) countTaskManagers(ctx context.Context, dep *v1beta1.FlinkDeployment, obs *observed) error {
	pods := &corev1.PodList{}
	sel, err := resources.TaskManagerLabelSelector(dep.Name)
	if err != nil {
		return err
	}
	if err := r.List(ctx, pods, client.InNamespace(dep.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return fmt.Errorf("while listing TaskManager pods: %w", err)
	}
	var ready int32
	for i := range pods.Items {
		if pods.Items[i].Status.Phase == corev1.PodRunning {
			ready++
		}
	}
	obs.tmReplicas = ready
	return nil
}

// latestJob returns the newest job of an application cluster, which runs exactly one.
func latestJob(ctx context.Context, fl rest.API) (*rest.JobOverview, error) {
	jobs, err := fl.ListJobs(ctx)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].StartTime > jobs[j].StartTime })
	return &jobs[0], nil
}

// jobManagerState reads a JobManager Deployment's readiness. DEPLOYED_NOT_READY means the
// pods are ready and the REST API is still to be asked.
func jobManagerState(d *appsv1.Deployment) v1beta1.JobManagerDeploymentStatus {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
			return v1beta1.JMError
		}
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			return v1beta1.JMError
		}
	}
	if d.Status.ReadyReplicas > 0 && d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas >= d.Status.ReadyReplicas {
		return v1beta1.JMDeployedNotReady
	}
	return v1beta1.JMDeploying
}

// restURL addresses the rest Service by its cluster IP, which both an in-cluster operator
// and one on the node (where Service DNS names do not resolve) can reach.
func restURL(svc *corev1.Service) string {
	port := int32(8081)
	for _, p := range svc.Spec.Ports {
		if p.Name == "rest" || len(svc.Spec.Ports) == 1 {
			port = p.Port
		}
	}
	host := svc.Spec.ClusterIP
	if host == "" || host == corev1.ClusterIPNone {
		host = svc.Name + "." + svc.Namespace + ".svc"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// latestCheckpoint is the job's newest completed checkpoint, nil when none is known or
// Flink does not answer (the planner then treats the checkpoint as too old: safe).
func latestCheckpoint(ctx context.Context, fl rest.API, jobID string) *lifecycle.Snapshot {
	cp, err := fl.Checkpoints(ctx, jobID)
	if err != nil || cp.Latest.Completed == nil || cp.Latest.Completed.Discarded {
		return nil
	}
	c := cp.Latest.Completed
	return &lifecycle.Snapshot{Path: c.ExternalPath, Time: time.UnixMilli(c.LatestAckTimestamp)}
}
