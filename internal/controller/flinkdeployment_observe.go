package controller

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/resources"
)

// observed is what one look at the cluster and at Flink found. The observer only reads; the
// result goes into status.
type observed struct {
	jm          v1beta1.JobManagerDeploymentStatus
	jmMessage   string
	restURL     string
	tmReplicas  int32
	job         *rest.JobOverview
	jobErr      error
	clusterInfo map[string]string
}

// observe reads the JobManager Deployment, the TaskManagers and the job, and writes what it
// saw into status.
func (r *FlinkDeploymentReconciler) observe(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) error {
	obs, err := r.look(ctx, dep, spec)
	if err != nil {
		return err
	}
	prevJobState := dep.Status.JobStatus.State
	err = patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		st := &d.Status
		st.JobManagerDeploymentStatus = obs.jm
		st.TaskManager = &v1beta1.TaskManagerInfo{
			LabelSelector: resources.TaskManagerSelector(d.Name), Replicas: obs.tmReplicas,
		}
		if len(obs.clusterInfo) > 0 {
			st.ClusterInfo = obs.clusterInfo
		}
		if spec.IsApplication() {
			applyJobObservation(&st.JobStatus, obs)
		}
	})
	if err != nil {
		return err
	}
	if now := dep.Status.JobStatus.State; now != prevJobState && now != "" && prevJobState != "" {
		r.Recorder.Eventf(dep, corev1.EventTypeNormal, ReasonJobStatusChanged, "Job status changed from %s to %s", prevJobState, now)
	}
	return nil
}

func applyJobObservation(js *v1beta1.JobStatus, obs observed) {
	switch {
	case obs.job != nil:
		js.JobID = obs.job.ID
		js.JobName = obs.job.Name
		js.State = string(obs.job.State)
		js.StartTime = strconv.FormatInt(obs.job.StartTime, 10)
		js.UpdateTime = strconv.FormatInt(obs.job.LastModification, 10)
	case obs.jm == v1beta1.JMMissing:
		// Nothing runs: keep the last known job id, drop a state we cannot see.
		if js.State != "" && js.State != "FINISHED" && js.State != "FAILED" && js.State != "CANCELED" {
			js.State = "RECONCILING"
		}
	default:
		if js.State == "" || obs.jobErr != nil {
			js.State = "RECONCILING"
		}
	}
}

// look gathers the facts without writing anything.
func (r *FlinkDeploymentReconciler) look(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) (observed, error) {
	n := resources.Names(dep.Name)
	var obs observed
	jmDep := &appsv1.Deployment{}
	err := r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: n.JobManager}, jmDep)
	switch {
	case apierrors.IsNotFound(err):
		obs.jm = v1beta1.JMMissing
		return obs, nil
	case err != nil:
		return obs, fmt.Errorf("while reading JobManager Deployment: %w", err)
	}
	obs.jm, obs.jmMessage = jobManagerState(jmDep)
	if obs.jm != v1beta1.JMDeployedNotReady || r.Flink == nil {
		return obs, r.countTaskManagers(ctx, dep, spec, &obs)
	}
	svc := &corev1.Service{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: n.RestService}, svc); err != nil {
		return obs, client.IgnoreNotFound(err)
	}
	obs.restURL = restURL(svc)
	fl, err := r.Flink(obs.restURL)
	if err != nil {
		return obs, err
	}
	ov, err := fl.Overview(ctx)
	if err != nil {
		log.FromContext(ctx).V(1).Info("Flink REST not reachable yet", "url", obs.restURL, "reason", err.Error())
		return obs, r.countTaskManagers(ctx, dep, spec, &obs)
	}
	obs.jm = v1beta1.JMReady
	obs.clusterInfo = map[string]string{"flink-version": ov.FlinkVersion, "flink-revision": ov.FlinkCommit}
	obs.tmReplicas = int32(ov.TaskManagers)
	if spec.IsApplication() {
		obs.job, obs.jobErr = latestJob(ctx, fl)
	}
	return obs, nil
}

// countTaskManagers fills the TaskManager count from pods when Flink cannot be asked.
func (r *FlinkDeploymentReconciler) countTaskManagers(ctx context.Context, dep *v1beta1.FlinkDeployment, _ *v1beta1.FlinkDeploymentSpec, obs *observed) error {
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
func jobManagerState(d *appsv1.Deployment) (v1beta1.JobManagerDeploymentStatus, string) {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
			return v1beta1.JMError, c.Message
		}
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			return v1beta1.JMError, c.Message
		}
	}
	if d.Status.ReadyReplicas > 0 && d.Status.ObservedGeneration >= d.Generation {
		return v1beta1.JMDeployedNotReady, ""
	}
	return v1beta1.JMDeploying, ""
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
