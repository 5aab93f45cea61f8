package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
)

// reconcileDelete marks the resource DELETING, stops a running job with a savepoint first
// when kubernetes.operator.job.savepoint-on-deletion asks for it (savePointBeforeDeletion),
// then removes what owner references do not cover (Flink's own HA ConfigMaps, which Flink
// creates without an owner; kept, and said so, when that savepoint was never taken and the
// job may hold state) and drops the finalizer. Owned objects go with the resource through
// garbage collection.
func (r *FlinkDeploymentReconciler) reconcileDelete(ctx context.Context, dep *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(dep, finalizerName) {
		return ctrl.Result{}, nil
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		d.Status.LifecycleState = v1beta1.LifecycleDeleting
	}); err != nil {
		return quietConflict(err)
	}
	step, wait, err := r.savepointBeforeDeletion(ctx, dep)
	if err != nil {
		return quietConflict(err)
	}
	if wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if step == lifecycle.DeletionTearDownKeepHA {
		if err := r.keepHAData(ctx, dep); err != nil {
			return ctrl.Result{}, err
		}
	} else {
		if err := r.deleteHAData(ctx, dep); err != nil {
			r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
			return ctrl.Result{}, err
		}
		msg := "Cleaning up FlinkDeployment"
		if p := finalSavepoint(&dep.Status.JobStatus, dep.DeletionTimestamp.Time); p != "" {
			msg += "; final savepoint " + p
			log.FromContext(ctx).Info("Deleting after the final savepoint", "savepoint", p)
		}
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonCleanup, msg)
	}
	controllerutil.RemoveFinalizer(dep, finalizerName)
	if err := r.Update(ctx, dep); err != nil {
		return quietConflict(client.IgnoreNotFound(err))
	}
	r.exceptions.forget(dep.UID)
	r.checkpoints.forget(dep.UID)
	r.stops.forget(dep.UID)
	return ctrl.Result{}, nil
}

// savepointBeforeDeletion takes the step lifecycle.PlanDeletion picks while the resource is
// deleted and returns it; wait > 0 keeps the resource for another look. The spec read is the
// current one (with its profile and the operator config's defaults), so removing the key
// releases a stuck deletion.
func (r *FlinkDeploymentReconciler) savepointBeforeDeletion(ctx context.Context, dep *v1beta1.FlinkDeployment) (lifecycle.DeletionStep, time.Duration, error) {
	eff := effectiveForReading(ctx, r.profileReaders(), r.Config, dep)
	spec := eff.Spec.DeepCopy()
	opts, err := plannerOptions(spec)
	if err != nil { // a malformed key elsewhere: honour this one alone
		opts = lifecycle.DefaultOptions()
		flat, _ := spec.FlinkConfiguration.Flatten()
		opts.SavepointOnDeletion = boolOption(flat, optSavepointOnDeletion)
	}
	if !opts.SavepointOnDeletion || !spec.IsApplication() || r.Flink == nil {
		return lifecycle.DeletionTearDown, 0, nil
	}
	obs, err := r.look(ctx, dep, spec)
	if err != nil {
		return "", 0, err
	}
	if obs.jobRunning() {
		// Read before anything can vanish: a deletion that ends without its savepoint
		// names the latest checkpoint in its Event.
		if cp := latestCheckpoint(observeCtx(ctx), obs.flink, obs.job.ID); cp != nil {
			r.stops.noteCheckpoint(dep.UID, cp.Path)
		}
	}
	si := dep.Status.JobStatus.SavepointInfo
	jobState := dep.Status.JobStatus.State
	if obs.flink != nil && obs.job != nil {
		jobState = string(obs.job.State)
	}
	step := lifecycle.PlanDeletion(lifecycle.DeletionFacts{
		SavepointOnDeletion: true,
		TriggerPending:      si != nil && si.TriggerID != "",
		JobManagerUp:        obs.jm == v1beta1.JMReady || obs.jm == v1beta1.JMDeployedNotReady,
		JobManagerGone:      obs.jm == v1beta1.JMMissing,
		Answered:            obs.flink != nil,
		JobRunning:          obs.jobRunning(),
		BackingOff:          r.stops.backingOff(dep.UID, r.Clock.Now()),
		SavepointTaken:      finalSavepoint(&dep.Status.JobStatus, dep.DeletionTimestamp.Time) != "",
		JobState:            jobState,
	})
	switch step {
	case lifecycle.DeletionPollSavepoint:
		failed, err := r.core().pollDeletionSavepoint(ctx, dep, obs.flink)
		if failed {
			r.stops.hold(dep.UID, r.Clock.Now().Add(stopRetryWait))
			return step, stopRetryWait, err
		}
		return step, pollTeardown, err
	case lifecycle.DeletionBackOff:
		return step, pollTeardown, nil
	case lifecycle.DeletionAskAgain:
		log.FromContext(ctx).Info("JobManager did not answer; asking again before the savepoint on deletion")
		return step, pollTeardown, nil
	case lifecycle.DeletionStopWithSavepoint:
		log.FromContext(ctx).Info("Stopping the job with a savepoint before deletion", "jobId", obs.job.ID,
			"latestCheckpoint", r.stops.checkpoint(dep.UID))
		return step, pollTeardown, r.core().stopWithSavepoint(ctx, dep, obs.flink, obs.job.ID, opts.SavepointFormat)
	}
	return step, 0, nil
}

// deleteHAData removes the ConfigMaps that Flink's Kubernetes HA services write for the
// cluster (haLabels).
func (r *FlinkDeploymentReconciler) deleteHAData(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	if len(validation.IsValidLabelValue(dep.Name)) > 0 {
		// A name no label can hold (over 63 characters) was refused by validation, so Flink
		// never ran and wrote no HA data; selecting by it would fail and keep the finalizer.
		return nil
	}
	err := r.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(dep.Namespace), haLabels(dep))
	if err != nil {
		return fmt.Errorf("while deleting HA ConfigMaps: %w", err)
	}
	return nil
}

// keepHAData leaves Flink's HA ConfigMaps in place (they have no owner, so nothing collects
// them) for a job that may hold state no savepoint was taken of: they hold the pointer to
// its latest checkpoint. The Warning Cleanup Event and the log say which ConfigMaps those
// are and where the checkpoints are written (also annotated on the ConfigMaps), so the user
// can restore from the latest one.
func (r *FlinkDeploymentReconciler) keepHAData(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	var cms []corev1.ConfigMap
	if len(validation.IsValidLabelValue(dep.Name)) == 0 {
		var err error
		if cms, err = haConfigMaps(ctx, r.Client, dep); err != nil {
			r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
			return err
		}
	}
	dir, spDir := stateDirs(r.Config, dep)
	latest := r.stops.checkpoint(dep.UID)
	if si := dep.Status.JobStatus.SavepointInfo; si == nil || si.TriggerID == "" {
		spDir = "" // no savepoint was under way that could have completed unseen
	}
	names := make([]string, 0, len(cms))
	for i := range cms {
		if err := r.markKept(ctx, &cms[i], dir, latest); err != nil {
			r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanupFailed, err.Error())
			return err
		}
		names = append(names, cms[i].Name)
	}
	msg := keptStateMessage(dep.Name, names, dir, latest, spDir)
	log.FromContext(ctx).Info("Deleting without a final savepoint; HA data kept",
		"haConfigMaps", names, "checkpointDir", dir, "latestCheckpoint", latest)
	r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonCleanup, msg)
	return nil
}

// Annotations on the HA ConfigMaps a deletion kept: where the state is, outliving the
// resource's status and Events.
const (
	annKeptCheckpointDir    = "weir.dev/checkpoint-dir"
	annKeptLatestCheckpoint = "weir.dev/latest-checkpoint"
)

// markKept writes where the checkpoints are onto a kept HA ConfigMap.
func (r *FlinkDeploymentReconciler) markKept(ctx context.Context, cm *corev1.ConfigMap, dir, latest string) error {
	ann := map[string]string{}
	if dir != "" {
		ann[annKeptCheckpointDir] = dir
	}
	if latest != "" {
		ann[annKeptLatestCheckpoint] = latest
	}
	if len(ann) == 0 {
		return nil
	}
	base := cm.DeepCopy()
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	for k, v := range ann {
		cm.Annotations[k] = v
	}
	if err := r.Patch(ctx, cm, client.MergeFrom(base)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("while marking the kept HA ConfigMap %s: %w", cm.Name, err)
	}
	return nil
}

// keptStateMessage is the Cleanup Event of a deletion that kept the HA data.
// savepointDir is set when a savepoint was under way as the JobManager went: it may have
// completed without weir seeing it.
func keptStateMessage(app string, haConfigMaps []string, checkpointDir, latestCheckpoint, savepointDir string) string {
	msg := "Cleaning up FlinkDeployment without a final savepoint (the job stopped running before one was taken)"
	if len(haConfigMaps) > 0 {
		msg += "; kept HA ConfigMaps " + strings.Join(haConfigMaps, ", ") +
			": they point to the latest checkpoint (delete them with -l app=" + app + ",configmap-type=high-availability once restored)"
	} else {
		msg += "; no HA ConfigMaps hold a pointer to the latest checkpoint"
	}
	if checkpointDir != "" {
		msg += "; checkpoints are under " + checkpointDir + " (restore with initialSavepointPath set to the latest chk-* directory)"
	}
	if latestCheckpoint != "" {
		msg += "; the latest checkpoint seen while the job ran is " + latestCheckpoint
	}
	if savepointDir != "" {
		msg += "; the savepoint under way may have completed under " + savepointDir
	}
	return msg
}

// stateDirs are the checkpoint directory of the job (the effective configuration's, with
// the job id under which Flink writes) and the savepoint directory, "" when not set.
func stateDirs(cfg *opconfig.Store, dep *v1beta1.FlinkDeployment) (checkpoints, savepoints string) {
	eff, _ := effectiveDeployment(cfg, dep)
	flat, err := eff.Spec.FlinkConfiguration.Flatten()
	if err != nil {
		return "", ""
	}
	conf := flinkconf.Conf(flat)
	checkpoints, _ = conf.Lookup(flinkconf.CheckpointDir)
	savepoints, _ = conf.Lookup(flinkconf.SavepointDir)
	if checkpoints != "" && dep.Status.JobStatus.JobID != "" {
		checkpoints = strings.TrimSuffix(checkpoints, "/") + "/" + dep.Status.JobStatus.JobID
	}
	return checkpoints, savepoints
}
