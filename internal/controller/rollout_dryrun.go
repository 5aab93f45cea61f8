package controller

import (
	"context"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// msgRolloutRefused starts the status.error of an upgrade the API server would refuse; it
// marks the error as this check's, so that it is cleared once the check passes.
const msgRolloutRefused = "Upgrade not started, the running job keeps its last spec: "

// rolloutRefusal asks the API server whether it would accept the objects of spec's cluster,
// by server-side applying them with dry run (nothing is changed, so it is safe to repeat and
// to be killed at any point). An upgrade runs it before it stops the running job: what
// weir's own validation cannot see (the API server's field validation, admission webhooks,
// quotas on objects) must refuse the upgrade while the old job still runs, not after.
// It returns the refusal, naming the object and the API server's reason, or "" when the
// cluster would be accepted; err is a failure to ask (retried like any other error).
func (r *FlinkDeploymentReconciler) rolloutRefusal(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) (string, error) {
	// The restore path does not change which objects exist nor what the API server checks.
	set, err := r.build(dep, spec, nil, dep.Status.JobStatus.JobID)
	if err != nil {
		return err.Error(), nil // the rollout would fail to build its objects after the stop
	}
	suspended := spec.Job != nil && spec.Job.EffectiveState() == v1beta1.JobStateSuspended
	for _, o := range orderedObjects(dep, set, suspended) {
		if !o.want {
			continue
		}
		err := applyObject(ctx, r.Client, r.Scheme, o.obj, client.DryRunAll)
		if refusedByAPIServer(err) {
			return err.Error(), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", nil
}

// refusedByAPIServer says whether err is the API server refusing the object itself (field
// validation, admission, quota), as opposed to a failure to reach it.
func refusedByAPIServer(err error) bool {
	return err != nil && (apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) ||
		apierrors.IsRequestEntityTooLargeError(err))
}

// clearRolloutRefusal drops a refusal recorded by an earlier rollout check.
func clearRolloutRefusal(st *v1beta1.CommonStatus) {
	if strings.Contains(st.Error, msgRolloutRefused) {
		st.Error = ""
	}
}
