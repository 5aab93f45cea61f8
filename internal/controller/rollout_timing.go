package controller

import (
	"context"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/status"
)

// trackRollouts times the steps of the newest rollout this look shows (status.TrackRollouts)
// in status.weir.rollouts. It only adds timings to a status being written anyway: nothing
// the planner reads changes.
func trackRollouts(st *v1beta1.CommonStatus, now time.Time, jm v1beta1.JobManagerDeploymentStatus, cp *status.RolloutCheckpoints) {
	status.SetRollouts(st, status.TrackRollouts(status.Rollouts(st), status.RolloutLook{
		Now: now, Common: st, JobManager: jm, Checkpoints: cp,
	}))
}

// rolloutCheckpoints reads the running job's checkpoint statistics when the newest
// rollout still waits for its restore or first checkpoint; nil otherwise or when Flink
// does not answer (the next look asks again).
func rolloutCheckpoints(ctx context.Context, st *v1beta1.CommonStatus, now time.Time, fl rest.API, jobID string) *status.RolloutCheckpoints {
	if fl == nil || jobID == "" || !status.WantsCheckpoints(st, now) {
		return nil
	}
	cp, err := fl.Checkpoints(ctx, jobID)
	if err != nil {
		return nil
	}
	return rolloutCheckpointsOf(cp)
}

// rolloutCheckpointsOf is what a rollout's timings need of Flink's checkpoint statistics.
func rolloutCheckpointsOf(cp *rest.CheckpointStats) *status.RolloutCheckpoints {
	out := &status.RolloutCheckpoints{}
	if r := cp.Latest.Restored; r != nil {
		out.Restored = r.RestoreTimestamp
	}
	if c := cp.Latest.Completed; c != nil {
		out.LatestCompleted = c.LatestAckTimestamp
	}
	for _, h := range cp.History {
		if h.Status == rest.CheckpointCompleted && !h.IsSavepoint && (out.FirstCompleted == 0 || h.LatestAckTimestamp < out.FirstCompleted) {
			out.FirstCompleted = h.LatestAckTimestamp
		}
	}
	return out
}
