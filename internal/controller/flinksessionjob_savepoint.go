package controller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

func clientKey(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

func sessionSavepointInfo(j *v1beta1.FlinkSessionJob) *v1beta1.SavepointInfo {
	if j.Status.JobStatus.SavepointInfo == nil {
		j.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	return j.Status.JobStatus.SavepointInfo
}

// recordTrigger writes a new pending trigger id to status before Flink is asked, or
// returns the one already recorded, so a retried call is the same savepoint to Flink.
func (r *FlinkSessionJobReconciler) recordTrigger(ctx context.Context, job *v1beta1.FlinkSessionJob, why v1beta1.SnapshotTriggerType) (string, error) {
	if si := job.Status.JobStatus.SavepointInfo; si != nil && si.TriggerID != "" && si.TriggerType == why {
		return si.TriggerID, nil
	}
	tid := rest.NewTriggerID()
	now := r.Clock.Now().UnixMilli()
	err := patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		si := sessionSavepointInfo(j)
		si.TriggerID, si.TriggerType, si.TriggerTimestamp = tid, why, &now
		si.FormatType = v1beta1.SavepointFormatCanonical
	})
	return tid, err
}

func (r *FlinkSessionJobReconciler) clearTrigger(ctx context.Context, job *v1beta1.FlinkSessionJob) error {
	return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		si := sessionSavepointInfo(j)
		si.TriggerID, si.TriggerType, si.TriggerTimestamp, si.FormatType = "", "", nil, ""
	})
}

// triggerSavepoint takes a savepoint of the running job (manual nonce or periodic).
func (r *FlinkSessionJobReconciler) triggerSavepoint(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved,
	opts lifecycle.Options, why v1beta1.SnapshotTriggerType) error {
	if !obs.tasksRunning() {
		return nil
	}
	tid, err := r.recordTrigger(ctx, job, why)
	if err != nil {
		return err
	}
	if _, err := obs.flink.TriggerSavepoint(ctx, obs.job.ID, rest.SavepointRequest{Format: rest.SavepointFormat(opts.SavepointFormat), TriggerID: tid}); err != nil {
		r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Triggering savepoint failed: "+err.Error())
		return r.clearTrigger(ctx, job)
	}
	if why == v1beta1.SnapshotTriggerManual {
		// As FKO: the nonce counts as handled once its savepoint is triggered.
		last, err := lastReconciledSessionSpec(job)
		if err == nil && last != nil && last.Job != nil && job.Spec.Job != nil {
			last.Job.SavepointTriggerNonce = job.Spec.Job.SavepointTriggerNonce
			return r.recordSpec(ctx, job, last, job.Status.ReconciliationStatus.State, nil)
		}
	}
	return nil
}

// pollSavepoint asks Flink about a pending trigger and records the result; an UPGRADE
// savepoint becomes jobStatus.upgradeSavepointPath, which the next submission restores.
func (r *FlinkSessionJobReconciler) pollSavepoint(ctx context.Context, job *v1beta1.FlinkSessionJob, obs sessionObserved) error {
	si := job.Status.JobStatus.SavepointInfo
	if si == nil || si.TriggerID == "" {
		return nil
	}
	age := time.Duration(0)
	if si.TriggerTimestamp != nil {
		age = r.Clock.Now().Sub(time.UnixMilli(*si.TriggerTimestamp))
	}
	jobID := job.Status.JobStatus.JobID
	if obs.flink == nil || jobID == "" {
		if age > savepointTimeout {
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Savepoint abandoned: the session cluster could not be asked about it for "+age.Round(time.Second).String())
			return r.clearTrigger(ctx, job)
		}
		return nil
	}
	op, err := obs.flink.SavepointStatus(ctx, jobID, si.TriggerID)
	if err != nil {
		if rest.IsNotFound(err) && age > time.Minute {
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Savepoint trigger unknown to Flink: "+err.Error())
			return r.clearTrigger(ctx, job)
		}
		log.FromContext(ctx).Info("Savepoint status not available yet", "reason", err.Error())
		return nil
	}
	switch {
	case op.Status != rest.OperationCompleted:
		if age > savepointTimeout {
			r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Savepoint timed out after "+age.Round(time.Second).String())
			return r.clearTrigger(ctx, job)
		}
		return nil
	case op.Failure != nil:
		r.Recorder.Event(job, corev1.EventTypeWarning, ReasonSavepointError, "Savepoint failed: "+op.Failure.Message())
		return r.clearTrigger(ctx, job)
	}
	why := si.TriggerType
	now := r.Clock.Now().UnixMilli()
	return patchStatus(ctx, r.Client, job, func(j *v1beta1.FlinkSessionJob) {
		si := sessionSavepointInfo(j)
		sp := v1beta1.Savepoint{TimeStamp: now, Location: op.Location, TriggerType: why, FormatType: si.FormatType}
		si.LastSavepoint = &sp
		si.SavepointHistory = append(si.SavepointHistory, sp)
		if why == v1beta1.SnapshotTriggerPeriodic {
			si.LastPeriodicSavepointTimestamp = now
		}
		if why == v1beta1.SnapshotTriggerUpgrade {
			j.Status.JobStatus.UpgradeSavepointPath = op.Location
		}
		si.TriggerID, si.TriggerType, si.TriggerTimestamp, si.FormatType = "", "", nil, ""
	})
}
