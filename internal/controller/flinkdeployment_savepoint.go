package controller

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
)

// Savepoint history bounds, FKO's keys and defaults.
const (
	optHistoryMaxCount   = opconfig.HistoryMaxCount
	optHistoryMaxAge     = opconfig.HistoryMaxAge
	defaultHistoryCount  = 10
	defaultHistoryMaxAge = 24 * time.Hour
	// savepointTimeout abandons a trigger Flink never finishes.
	savepointTimeout = 15 * time.Minute
)

// triggerSavepoint asks Flink for a savepoint of the running job. The trigger id is
// chosen here and written to status first, so a retry after a crash re-sends the same id
// and Flink treats it as the same request.
func (r *FlinkDeploymentReconciler) triggerSavepoint(ctx context.Context, dep *v1beta1.FlinkDeployment,
	desired *v1beta1.FlinkDeploymentSpec, obs observed, why v1beta1.SnapshotTriggerType) error {
	if !obs.jobRunning() {
		return nil
	}
	tid, err := r.recordTrigger(ctx, dep, why)
	if err != nil {
		return err
	}
	opts, _ := plannerOptions(desired)
	if _, err := obs.flink.TriggerSavepoint(ctx, obs.job.ID, rest.SavepointRequest{Format: rest.SavepointFormat(opts.SavepointFormat), TriggerID: tid}); err != nil {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonSavepointError, "Triggering savepoint failed: "+err.Error())
		return r.clearTrigger(ctx, dep)
	}
	if why == v1beta1.SnapshotTriggerManual {
		// As FKO: the nonce counts as handled once its savepoint is triggered.
		last, _, _ := dep.LastReconciledSpec()
		if last != nil && last.Job != nil && desired.Job != nil {
			last.Job.SavepointTriggerNonce = desired.Job.SavepointTriggerNonce
			return r.recordSpec(ctx, dep, last, dep.Status.ReconciliationStatus.State, nil)
		}
	}
	return nil
}

// stopWithSavepoint stops the running job with a savepoint (trigger type UPGRADE).
func (r *FlinkDeploymentReconciler) stopWithSavepoint(ctx context.Context, dep *v1beta1.FlinkDeployment, obs observed) error {
	tid, err := r.recordTrigger(ctx, dep, v1beta1.SnapshotTriggerUpgrade)
	if err != nil {
		return err
	}
	last, _, _ := dep.LastReconciledSpec()
	format := rest.SavepointCanonical
	if last != nil {
		if o, err := plannerOptions(last); err == nil {
			format = rest.SavepointFormat(o.SavepointFormat)
		}
	}
	if _, err := obs.flink.StopWithSavepoint(ctx, obs.job.ID, rest.StopRequest{Format: format, TriggerID: tid}); err != nil {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonSavepointError, "Stop with savepoint failed: "+err.Error())
		return r.clearTrigger(ctx, dep)
	}
	return nil
}

// recordTrigger writes a new pending trigger to status, or returns the one already there.
func (r *FlinkDeploymentReconciler) recordTrigger(ctx context.Context, dep *v1beta1.FlinkDeployment, why v1beta1.SnapshotTriggerType) (string, error) {
	if si := dep.Status.JobStatus.SavepointInfo; si != nil && si.TriggerID != "" && si.TriggerType == why {
		return si.TriggerID, nil
	}
	tid := rest.NewTriggerID()
	now := r.Clock.Now().UnixMilli()
	err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		si := savepointInfo(d)
		si.TriggerID, si.TriggerType, si.TriggerTimestamp = tid, why, &now
		si.FormatType = v1beta1.SavepointFormatCanonical
	})
	return tid, err
}

func (r *FlinkDeploymentReconciler) clearTrigger(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	return r.savepoints().clearTrigger(ctx, dep)
}

func savepointInfo(d *v1beta1.FlinkDeployment) *v1beta1.SavepointInfo {
	return ensureSavepointInfo(&d.Status.JobStatus)
}

// pollSavepoint settles a pending trigger (savepoint_poll.go); with none pending it
// prunes the savepoint history.
func (r *FlinkDeploymentReconciler) pollSavepoint(ctx context.Context, dep *v1beta1.FlinkDeployment, obs observed) error {
	if si := dep.Status.JobStatus.SavepointInfo; si == nil || si.TriggerID == "" {
		return r.pruneHistory(ctx, dep, obs)
	}
	return r.savepoints().poll(ctx, dep, obs.flink)
}

func (r *FlinkDeploymentReconciler) savepoints() savepointPoll[*v1beta1.FlinkDeployment] {
	return savepointPoll[*v1beta1.FlinkDeployment]{
		client: r.Client, recorder: r.Recorder, clock: r.Clock, where: "the JobManager",
		status: func(d *v1beta1.FlinkDeployment) *v1beta1.JobStatus { return &d.Status.JobStatus },
	}
}

// pruneHistory keeps the savepoint history within its count and age bounds, disposing of
// the savepoints it drops. The newest savepoint is always kept: it may be the only state.
func (r *FlinkDeploymentReconciler) pruneHistory(ctx context.Context, dep *v1beta1.FlinkDeployment, obs observed) error {
	si := dep.Status.JobStatus.SavepointInfo
	if si == nil || len(si.SavepointHistory) <= 1 || obs.flink == nil {
		return nil
	}
	maxCount, maxAge := defaultHistoryCount, defaultHistoryMaxAge
	last, _, _ := dep.LastReconciledSpec()
	if last != nil {
		if flat, err := last.FlinkConfiguration.Flatten(); err == nil {
			if v, err := strconv.Atoi(flat[optHistoryMaxCount]); err == nil && v > 0 {
				maxCount = v
			}
			if v, err := lifecycle.ParseFlinkDuration(flat[optHistoryMaxAge]); err == nil && v > 0 {
				maxAge = v
			}
		}
	}
	now := r.Clock.Now()
	hist := si.SavepointHistory
	var keep, drop []v1beta1.Savepoint
	for i, sp := range hist {
		newest := i == len(hist)-1
		tooMany := len(hist)-i > maxCount
		tooOld := now.Sub(time.UnixMilli(sp.TimeStamp)) > maxAge
		if !newest && (tooMany || tooOld) && sp.Location != dep.Status.JobStatus.UpgradeSavepointPath {
			drop = append(drop, sp)
		} else {
			keep = append(keep, sp)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	for _, sp := range drop {
		if _, err := obs.flink.DisposeSavepoint(ctx, sp.Location); err != nil {
			r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, fmt.Sprintf("Disposing savepoint %s failed: %v", sp.Location, err))
		}
	}
	return patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		savepointInfo(d).SavepointHistory = keep
	})
}

// savepointFacts turns the recorded savepoint info of a deployment or session job into the
// planners' plain values: the newest savepoint, a pending trigger and the last periodic one.
func savepointFacts(si *v1beta1.SavepointInfo) (last *lifecycle.Snapshot, pending *lifecycle.PendingTrigger, lastPeriodic time.Time) {
	if si == nil {
		return nil, nil, time.Time{}
	}
	if si.LastSavepoint != nil {
		last = &lifecycle.Snapshot{Path: si.LastSavepoint.Location, Time: time.UnixMilli(si.LastSavepoint.TimeStamp)}
	}
	if si.TriggerID != "" {
		pending = &lifecycle.PendingTrigger{TriggerID: si.TriggerID, Type: si.TriggerType}
		if si.TriggerTimestamp != nil {
			pending.Since = time.UnixMilli(*si.TriggerTimestamp)
		}
	}
	if si.LastPeriodicSavepointTimestamp > 0 {
		lastPeriodic = time.UnixMilli(si.LastPeriodicSavepointTimestamp)
	}
	return last, pending, lastPeriodic
}
