package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/status"
)

// stayStable is the write-ahead addition of a change recorded without a restart: a
// resource that ran its recorded spec stably runs the new record stably too, so the record
// is its last stable spec in the same write, and lifecycleState never flashes DEPLOYED
// between the record and the end of the loop.
func stayStable(before v1beta1.ReconciliationStatus) func(*v1beta1.CommonStatus) {
	wasStable := before.LastStableSpec != "" && before.LastStableSpec == before.LastReconciledSpec
	return func(st *v1beta1.CommonStatus) {
		status.PromoteStable(&st.ReconciliationStatus, wasStable)
	}
}

// rolloutRecord is what a write-ahead record wrote into reconciliationStatus.
type rolloutRecord struct {
	State     v1beta1.ReconciliationState
	Timestamp int64 // reconciliationTimestamp (ms): it fixes the rollout's job id
}

// jobID is the fixed Flink job id of the recorded rollout: the resource's uid and the time
// its intent was recorded, so every retry of the same rollout submits the same id.
func (rec rolloutRecord) jobID(uid types.UID) string {
	return deterministicJobID(string(uid), rec.Timestamp)
}

// writeAhead records spec as lastReconciledSpec in state, with mutate's additions, before
// the step it announces is taken; it returns what it wrote. The same spec recorded again in
// the same state is a retry of that step: it keeps the record's timestamp, hence the
// rollout's job id, and its firstDeployment flag (a job has run only once the first
// rollout is superseded).
func writeAhead[T client.Object, S any](ctx context.Context, c jobCore[T], obj T, spec *S, state v1beta1.ReconciliationState, mutate func(*v1beta1.CommonStatus)) (rolloutRecord, error) {
	rs := &c.status(obj).ReconciliationStatus
	first := rs.LastReconciledSpec == ""
	retry := false
	if prev, meta, ok, err := v1beta1.ReadSpecWithMeta[S](rs.LastReconciledSpec); err == nil && ok && rs.State == state {
		if same, _ := sameSpec(&prev, spec); same {
			retry, first = true, meta.FirstDeployment
		}
	}
	serialized, err := v1beta1.WriteSpecWithMeta(*spec, v1beta1.ReconciliationMetadata{
		APIVersion: v1beta1.GroupVersion.String(), FirstDeployment: first, Generation: obj.GetGeneration(),
	})
	if err != nil {
		return rolloutRecord{}, err
	}
	now := c.clock.Now().UnixMilli()
	err = patchStatus(ctx, c.client, obj, func(o T) {
		st := c.status(o)
		ts := st.ReconciliationStatus.ReconciliationTimestamp
		markReconciled(&st.ReconciliationStatus, serialized, state, now)
		if retry {
			st.ReconciliationStatus.ReconciliationTimestamp = ts
		}
		st.ObservedGeneration = o.GetGeneration()
		if mutate != nil {
			mutate(st)
		}
		// The same write moves lifecycleState on: a client that sees the new generation
		// observed must not read the old spec's STABLE (the end of the loop refines it).
		st.LifecycleState = status.LifecycleState(status.Facts{Current: st.LifecycleState, Common: *st})
	})
	rs = &c.status(obj).ReconciliationStatus
	return rolloutRecord{State: rs.State, Timestamp: rs.ReconciliationTimestamp}, err
}
