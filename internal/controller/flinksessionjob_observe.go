package controller

import (
	"context"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/status"
)

// sessionObserved is what one look at the session cluster found for a session job.
type sessionObserved struct {
	flink rest.API          // nil unless the session cluster is READY and its REST answers
	job   *rest.JobOverview // the job with the recorded job id; nil when Flink does not know it
	// lastCheckpoint is the newest completed checkpoint of that job (its last state), and
	// when it completed; restoredFrom is the snapshot the job's run started from.
	lastCheckpoint     string
	lastCheckpointTime int64
	restoredFrom       string
}

func (o sessionObserved) running() bool {
	return o.flink != nil && o.job != nil && o.job.State == rest.JobRunning
}

// tasksRunning says every task of the job is running, which a savepoint needs: Flink
// reports a job RUNNING while its tasks still deploy, and refuses to snapshot it then.
func (o sessionObserved) tasksRunning() bool {
	if !o.running() {
		return false
	}
	t := o.job.Tasks
	return len(t) == 0 || t["total"] == 0 || t["running"] > 0 && t["running"]+t["finished"] == t["total"]
}

// sessionREST opens a REST client for a READY session cluster, by its rest Service's IP.
func sessionREST(ctx context.Context, c client.Client, factory FlinkClientFactory, session *v1beta1.FlinkDeployment) (rest.API, error) {
	if session == nil || factory == nil || session.Status.JobManagerDeploymentStatus != v1beta1.JMReady {
		return nil, nil
	}
	fl, _, err := restClient(ctx, c, factory, session.Namespace, session.Name)
	return fl, err
}

// observe asks the session cluster about the recorded job and writes what it saw into
// status.jobStatus.
func (r *FlinkSessionJobReconciler) observe(ctx context.Context, job *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment, opts lifecycle.Options) (sessionObserved, error) {
	var obs sessionObserved
	fl, err := sessionREST(ctx, r.Client, r.Flink, session)
	if err != nil || fl == nil {
		return obs, err
	}
	jobs, err := fl.ListJobs(observeCtx(ctx)) // the session READY means it answered lately
	if err != nil {
		log.FromContext(ctx).V(1).Info("Session cluster REST not reachable", "reason", err.Error())
		return obs, nil
	}
	obs.flink = fl
	id := job.Status.JobStatus.JobID
	for i := range jobs {
		if id != "" && jobs[i].ID == id {
			obs.job = &jobs[i]
		}
	}
	var cps *status.RolloutCheckpoints
	if obs.job != nil {
		if cp, err := fl.Checkpoints(observeCtx(ctx), id); err == nil {
			cps = rolloutCheckpointsOf(cp)
			if c := cp.Latest.Completed; c != nil && !c.Discarded {
				obs.lastCheckpoint, obs.lastCheckpointTime = c.ExternalPath, c.LatestAckTimestamp
			}
			if rs := cp.Latest.Restored; rs != nil {
				obs.restoredFrom = rs.ExternalPath
			}
		}
	}
	prev := job.Status.JobStatus.State
	err = patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		js := &j.Status.JobStatus
		if obs.job != nil {
			js.JobName, js.State = obs.job.Name, string(obs.job.State)
			js.StartTime = strconv.FormatInt(obs.job.StartTime, 10)
			js.UpdateTime = strconv.FormatInt(obs.job.LastModification, 10)
		} else if js.JobID != "" && js.State != "" {
			js.State = jobstate.Reconciling
		}
		trackRollouts(&j.Status.CommonStatus, r.Clock.Now(), "", cps)
	})
	if now := job.Status.JobStatus.State; err == nil && now != prev && now != "" && prev != "" {
		r.Recorder.Eventf(job, corev1.EventTypeNormal, ReasonJobStatusChanged, "Job status changed from %s to %s", prev, now)
	}
	if err == nil && obs.job != nil {
		failed := obs.job.State == rest.JobFailed
		failure := r.exceptions.report(ctx, r.Recorder, job, obs.flink, obs.job.ID, failed, opts)
		err = r.core().recordJobFailure(ctx, job, failed, failure)
		if failing, ok := r.checkpoints.check(ctx, job.UID, obs.flink, obs.job, r.Clock.Now()); ok && err == nil {
			err = r.core().recordCheckpointFailure(ctx, job, failing)
		}
	}
	return obs, err
}

// sessionFacts turns observation and status into the planner's plain values.
func sessionFacts(job *v1beta1.FlinkSessionJob, obs sessionObserved) lifecycle.SessionJobObserved {
	st := job.Status
	rs := st.ReconciliationStatus
	f := lifecycle.SessionJobObserved{
		ClusterReady:         obs.flink != nil,
		Reconciliation:       rs.State,
		FirstDeployment:      firstDeployment(rs.LastReconciledSpec),
		UpgradeSavepointPath: st.JobStatus.UpgradeSavepointPath,
		LastCheckpointPath:   obs.lastCheckpoint,
		RestoredFrom:         obs.restoredFrom,
	}
	if obs.lastCheckpointTime > 0 {
		f.LastCheckpointTime = time.UnixMilli(obs.lastCheckpointTime)
	}
	if rs.ReconciliationTimestamp > 0 {
		f.ReconciledAt = time.UnixMilli(rs.ReconciliationTimestamp)
	}
	if obs.job != nil {
		f.Job = &lifecycle.JobFacts{ID: obs.job.ID, State: string(obs.job.State)}
		if obs.job.StartTime > 0 {
			f.JobStarted = time.UnixMilli(obs.job.StartTime)
		}
	}
	f.LastSavepoint, f.PendingSavepoint, f.LastPeriodicSavepoint = savepointFacts(st.JobStatus.SavepointInfo)
	f.Checkpoints = checkpointFacts(st.JobStatus.CheckpointInfo)
	return f
}
