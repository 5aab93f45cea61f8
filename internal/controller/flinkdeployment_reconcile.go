package controller

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/validation"
)

// reconcile is the inner loop: validate → choose the spec to run → record it → apply →
// observe → summarize.
func (r *FlinkDeploymentReconciler) reconcile(ctx context.Context, dep *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	logger := log.FromContext(ctx)

	target, err := r.targetSpec(ctx, dep)
	if err != nil {
		return ctrl.Result{}, err
	}
	if target == nil { // invalid and nothing valid deployed before: wait for a fix
		return ctrl.Result{}, r.summarize(ctx, dep)
	}

	changed, err := r.recordIntent(ctx, dep, target)
	if err != nil {
		return ctrl.Result{}, err
	}
	if changed {
		logger.Info("Deploying spec", "generation", dep.Generation, "mode", target.EffectiveMode())
	}
	if err := r.deploy(ctx, dep, target); err != nil {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonError, err.Error())
		_ = patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
			d.Status.Error = statusError(errTypeReconcile, err.Error())
		})
		return ctrl.Result{}, err
	}
	if dep.Status.ReconciliationStatus.State == v1beta1.ReconciliationUpgrading {
		if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
			d.Status.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		}); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.observe(ctx, dep, target); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.summarize(ctx, dep); err != nil {
		return ctrl.Result{}, err
	}
	if dep.Status.LifecycleState == v1beta1.LifecycleStable {
		return ctrl.Result{RequeueAfter: pollStable}, nil
	}
	return ctrl.Result{RequeueAfter: pollSettling}, nil
}

// targetSpec returns the spec to run: the current one when it is valid, else the last
// reconciled one (the operator keeps running on the last valid spec). A validation failure
// is recorded in status.error and as a ValidationError event.
func (r *FlinkDeploymentReconciler) targetSpec(ctx context.Context, dep *v1beta1.FlinkDeployment) (*v1beta1.FlinkDeploymentSpec, error) {
	verr := validation.Deployment(dep)
	if verr == nil {
		if strings.Contains(dep.Status.Error, errTypeValidation) {
			if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) { d.Status.Error = "" }); err != nil {
				return nil, err
			}
		}
		spec := dep.Spec.DeepCopy()
		return spec, nil
	}
	msg := verr.Error()
	if dep.Status.Error != statusError(errTypeValidation, msg) {
		r.Recorder.Event(dep, corev1.EventTypeWarning, ReasonValidationError, msg)
		log.FromContext(ctx).Info("Spec is invalid, keeping the last valid spec", "reason", msg)
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		d.Status.Error = statusError(errTypeValidation, msg)
	}); err != nil {
		return nil, err
	}
	last, _, err := dep.LastReconciledSpec()
	if err != nil {
		return nil, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	return last, nil
}

// recordIntent writes the target spec to status.reconciliationStatus before any object is
// touched (status as a write-ahead log). It reports whether the spec changed.
func (r *FlinkDeploymentReconciler) recordIntent(ctx context.Context, dep *v1beta1.FlinkDeployment, target *v1beta1.FlinkDeploymentSpec) (bool, error) {
	last, _, err := dep.LastReconciledSpec()
	if err != nil {
		return false, fmt.Errorf("while reading lastReconciledSpec: %w", err)
	}
	same, err := sameSpec(last, target)
	if err != nil || same {
		return false, err
	}
	first := last == nil
	serialized, err := v1beta1.WriteSpecWithMeta(*target, v1beta1.ReconciliationMetadata{
		APIVersion: v1beta1.GroupVersion.String(), FirstDeployment: first, Generation: dep.Generation,
	})
	if err != nil {
		return false, err
	}
	if err := patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		rs := &d.Status.ReconciliationStatus
		rs.LastReconciledSpec = serialized
		rs.State = v1beta1.ReconciliationUpgrading
		rs.ReconciliationTimestamp = r.Clock.Now().UnixMilli()
		d.Status.ObservedGeneration = d.Generation
	}); err != nil {
		return false, err
	}
	if first {
		r.Recorder.Event(dep, corev1.EventTypeNormal, ReasonSubmit, "Starting deployment")
	} else {
		r.Recorder.Eventf(dep, corev1.EventTypeNormal, ReasonSpecChanged, "Detected spec change, deploying generation %d", dep.Generation)
	}
	return true, nil
}

// deploy builds every object of the cluster from the target spec and applies it; objects the
// build no longer wants are deleted.
func (r *FlinkDeploymentReconciler) deploy(ctx context.Context, dep *v1beta1.FlinkDeployment, target *v1beta1.FlinkDeploymentSpec) error {
	conf, err := flinkconf.Build(dep, target)
	if err != nil {
		return fmt.Errorf("while building Flink configuration: %w", err)
	}
	set, err := resources.Build(resources.Input{Deployment: dep, Spec: target, Conf: conf})
	if err != nil {
		return fmt.Errorf("while building objects: %w", err)
	}
	suspended := target.Job != nil && target.Job.EffectiveState() == v1beta1.JobStateSuspended
	for _, o := range orderedObjects(dep, set, suspended) {
		if o.want {
			if err := applyObject(ctx, r.Client, r.Scheme, o.obj); err != nil {
				return err
			}
		} else if err := deleteIfExists(ctx, r.Client, o.obj); err != nil {
			return err
		}
	}
	return nil
}

// summarize derives lifecycleState and the Running condition from the recorded status.
func (r *FlinkDeploymentReconciler) summarize(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	last, _, _ := dep.LastReconciledSpec()
	return patchStatus(ctx, r.Client, dep, func(d *v1beta1.FlinkDeployment) {
		suspended := last != nil && last.Job != nil && last.Job.EffectiveState() == v1beta1.JobStateSuspended
		st := &d.Status
		rs := &st.ReconciliationStatus
		if last != nil && rs.State == v1beta1.ReconciliationDeployed && isStable(last, st) {
			rs.LastStableSpec = rs.LastReconciledSpec
		}
		st.LifecycleState = status.LifecycleState(status.Facts{
			Current: st.LifecycleState, Common: st.CommonStatus,
			LastReconciledSuspended: suspended, JobManager: st.JobManagerDeploymentStatus,
		})
		if last != nil {
			status.SetRunningCondition(&st.Conditions, last.IsApplication(), st.JobStatus.State, st.JobManagerDeploymentStatus, d.Generation)
		}
	})
}

// isStable says whether the deployed spec runs as asked: the job runs (application mode),
// the JobManager is ready (session mode), or the job is suspended as asked.
func isStable(spec *v1beta1.FlinkDeploymentSpec, st *v1beta1.FlinkDeploymentStatus) bool {
	if spec.Job != nil && spec.Job.EffectiveState() == v1beta1.JobStateSuspended {
		return true
	}
	if spec.IsApplication() {
		return st.JobStatus.State == "RUNNING"
	}
	return st.JobManagerDeploymentStatus == v1beta1.JMReady
}
