package controller

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// triggerNonce names the spec field of a manual trigger.
type triggerNonce int

const (
	savepointNonce triggerNonce = iota
	checkpointNonce
)

// recordNonceHandled records a manual trigger's nonce in lastReconciledSpec once Flink
// accepted the trigger, as FKO does: the recorded nonce is what the planner compares
// with the spec's, so the same nonce never triggers twice. desired is the job of the spec
// the nonce comes from; jobOf finds the job in the recorded spec (either resource kind).
func recordNonceHandled[T client.Object, S any](ctx context.Context, c jobCore[T], obj T, jobOf func(*S) *v1beta1.JobSpec,
	desired *v1beta1.JobSpec, which triggerNonce) error {
	rs := c.status(obj).ReconciliationStatus
	last, _, ok, err := v1beta1.ReadSpecWithMeta[S](rs.LastReconciledSpec)
	if err != nil || !ok || desired == nil {
		return err
	}
	job := jobOf(&last)
	if job == nil {
		return nil
	}
	switch which {
	case savepointNonce:
		job.SavepointTriggerNonce = desired.SavepointTriggerNonce
	case checkpointNonce:
		job.CheckpointTriggerNonce = desired.CheckpointTriggerNonce
	}
	_, err = writeAhead(ctx, c, obj, &last, rs.State, nil)
	return err
}

func jobOfDeployment(s *v1beta1.FlinkDeploymentSpec) *v1beta1.JobSpec { return s.Job }

func jobOfSessionJob(s *v1beta1.FlinkSessionJobSpec) *v1beta1.JobSpec { return s.Job }
