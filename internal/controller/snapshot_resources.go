package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

// FKO's labels on the FlinkStateSnapshots it creates for a job's own savepoints.
const (
	labelSnapshotType        = "snapshot.type"
	labelSnapshotTriggerType = "snapshot.trigger-type"
	labelJobReferenceKind    = "job-reference.kind"
	labelJobReferenceName    = "job-reference.name"
)

// snapshotResourceFor is the FlinkStateSnapshot that records savepoint sp of the app
// kind/ns/name (kubernetes.operator.snapshot.resource.enabled): an existing savepoint
// (alreadyExists, so nothing is triggered), with no owner reference, so that it outlives
// the app and its path with it; labelled with the app's name. Its name is fixed by the app
// and the savepoint's time, so creating it again is harmless. dispose is
// kubernetes.operator.savepoint.dispose-on-delete. Upgrade (and deletion) and periodic
// savepoints get one; manual ones are FlinkStateSnapshots or nonces the user made.
func snapshotResourceFor(kind v1beta1.JobKind, ns, name string, sp v1beta1.Savepoint, dispose bool) *v1beta1.FlinkStateSnapshot {
	if sp.TriggerType != v1beta1.SnapshotTriggerUpgrade && sp.TriggerType != v1beta1.SnapshotTriggerPeriodic {
		return nil
	}
	suffix := fmt.Sprintf("-%s-%d", strings.ToLower(string(sp.TriggerType)), sp.TimeStamp)
	prefix := name
	if max := 253 - len(suffix); len(prefix) > max {
		prefix = strings.TrimRight(prefix[:max], "-.")
	}
	labels := map[string]string{
		labelSnapshotType: "SAVEPOINT", labelSnapshotTriggerType: string(sp.TriggerType), labelJobReferenceKind: string(kind),
	}
	if len(name) <= 63 {
		labels[labelJobReferenceName] = name
	}
	return &v1beta1.FlinkStateSnapshot{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: prefix + suffix, Labels: labels},
		Spec: v1beta1.FlinkStateSnapshotSpec{
			JobReference: &v1beta1.JobReference{Kind: kind, Name: name},
			Savepoint: &v1beta1.SavepointSpec{
				Path: sp.Location, FormatType: sp.FormatType, AlreadyExists: true, DisposeOnDelete: &dispose,
			},
		},
	}
}

// createSnapshotResource creates snap and records it COMPLETED with its path. A failure is
// reported (the path stays in the app's status and history) and not retried.
func createSnapshotResource(ctx context.Context, c client.Client, rec record.EventRecorder, app client.Object, snap *v1beta1.FlinkStateSnapshot, now time.Time) {
	err := c.Create(ctx, snap)
	if apierrors.IsAlreadyExists(err) {
		return
	}
	if err == nil {
		// A merge patch without the resource version: the snapshot controller may already
		// have added its finalizer, and it records the same COMPLETED state.
		base := snap.DeepCopy()
		snap.Status.State, snap.Status.Path = v1beta1.SnapshotCompleted, snap.Spec.Savepoint.Path
		snap.Status.ResultTimestamp = now.UTC().Format(time.RFC3339)
		err = c.Status().Patch(ctx, snap, client.MergeFrom(base))
	}
	if err != nil {
		log.FromContext(ctx).Error(err, "Recording a savepoint as a FlinkStateSnapshot failed", "snapshot", snap.Name)
		rec.Event(app, corev1.EventTypeWarning, ReasonSnapshotError, "Recording savepoint "+snap.Spec.Savepoint.Path+" as FlinkStateSnapshot "+snap.Name+" failed: "+err.Error())
		return
	}
	log.FromContext(ctx).Info("Recorded savepoint as a FlinkStateSnapshot", "snapshot", snap.Name, "path", snap.Spec.Savepoint.Path)
}

// recordSnapshot is the FlinkDeployment core's recorded hook: with snapshot.resource.enabled
// (the current spec with the operator config's defaults) the savepoint gets its resource.
func (r *FlinkDeploymentReconciler) recordSnapshot(ctx context.Context, dep *v1beta1.FlinkDeployment, sp v1beta1.Savepoint) {
	eff := effectiveForReading(ctx, r.profileReaders(), r.Config, dep)
	opts, err := plannerOptions(eff.Spec.DeepCopy())
	if err != nil || !opts.SnapshotResources {
		return
	}
	if snap := snapshotResourceFor(v1beta1.JobKindFlinkDeployment, dep.Namespace, dep.Name, sp, opts.SnapshotDisposeOnDelete); snap != nil {
		createSnapshotResource(ctx, r.Client, r.Recorder, dep, snap, r.Clock.Now())
	}
}

// recordSnapshot is the FlinkSessionJob core's recorded hook (the job's options over its
// session cluster's, as sessionJobConf reads them).
func (r *FlinkSessionJobReconciler) recordSnapshot(ctx context.Context, job *v1beta1.FlinkSessionJob, sp v1beta1.Savepoint) {
	session := &v1beta1.FlinkDeployment{}
	if err := r.Get(ctx, clientKey(job.Namespace, job.Spec.DeploymentName), session); err != nil {
		session = nil
	}
	conf, err := sessionJobConf(job, session)
	if err != nil {
		return
	}
	opts, err := lifecycle.DefaultOptions().WithConfig(conf)
	if err != nil || !opts.SnapshotResources {
		return
	}
	if snap := snapshotResourceFor(v1beta1.JobKindFlinkSessionJob, job.Namespace, job.Name, sp, opts.SnapshotDisposeOnDelete); snap != nil {
		createSnapshotResource(ctx, r.Client, r.Recorder, job, snap, r.Clock.Now())
	}
}
