package e2e

import (
	"context"
	"fmt"
	"time"

	"weir.dev/weir/bench/upgrade"
	flinkrest "weir.dev/weir/internal/flink/rest"
)

// followPoll is how often the bench looks at Flink while an upgrade runs: the bound on how
// late it sees the old JobManager's last RUNNING job when that JobManager goes before its
// job is seen ended (the other moments are Flink's own timestamps).
const followPoll = 250 * time.Millisecond

type followed struct {
	times upgrade.Times
	err   error
}

// follow polls the JobManager flink returns (again on each poll: a FlinkDeployment's rest
// Service goes and comes back with its cluster) from before an upgrade of job old until the
// new job has completed a checkpoint, and sends the moments it saw; Requested is the
// caller's to set.
func follow(ctx context.Context, old string, flink func() (*flinkrest.Client, error)) <-chan followed {
	out := make(chan followed, 1)
	go func() {
		f := upgrade.Follow{Old: old}
		var tm upgrade.Times
		deadline := time.Now().Add(readyTimeout)
		for time.Now().Before(deadline) {
			done, err := followOnce(ctx, flink, &f, &tm)
			if err != nil || done {
				tm.OldRunningUntil = f.OldRunningUntil
				out <- followed{tm, err}
				return
			}
			select {
			case <-ctx.Done():
				out <- followed{tm, ctx.Err()}
				return
			case <-time.After(followPoll):
			}
		}
		out <- followed{tm, fmt.Errorf("no new job with a completed checkpoint after %s: %+v, %+v", readyTimeout, f, tm)}
	}()
	return out
}

// followOnce is one poll; a JobManager that does not answer is looked at again next time.
func followOnce(ctx context.Context, flink func() (*flinkrest.Client, error), f *upgrade.Follow, tm *upgrade.Times) (bool, error) {
	now := time.Now()
	fl, err := flink()
	if err != nil {
		return false, nil
	}
	ctx = flinkrest.WithCallAttempts(flinkrest.WithCallTimeout(ctx, 2*time.Second), 1)
	jobs, err := fl.ListJobs(ctx)
	if err != nil {
		return false, nil
	}
	if err := f.Observe(now, jobs); err != nil {
		return false, err
	}
	if f.OldEnded && tm.SavepointDone.IsZero() && tm.NewRunning.IsZero() {
		if cp, err := fl.Checkpoints(ctx, f.Old); err == nil && cp.Latest.Savepoint != nil && cp.Latest.Savepoint.LatestAckTimestamp > 0 {
			tm.SavepointDone = time.UnixMilli(cp.Latest.Savepoint.LatestAckTimestamp)
		}
	}
	if f.NewRunningSeen && tm.NewRunning.IsZero() {
		if jd, err := fl.Job(ctx, f.New); err == nil && jd.Timestamps[flinkrest.JobRunning] > 0 {
			tm.NewRunning = time.UnixMilli(jd.Timestamps[flinkrest.JobRunning])
		}
	}
	if tm.NewRunning.IsZero() {
		return false, nil
	}
	cp, err := fl.Checkpoints(ctx, f.New)
	if err != nil {
		return false, nil
	}
	tm.FirstCheckpoint = upgrade.FirstCompleted(cp)
	return !tm.FirstCheckpoint.IsZero(), nil
}
