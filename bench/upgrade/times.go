package upgrade

import (
	"errors"
	"fmt"
	"time"

	flinkrest "weir.dev/weir/internal/flink/rest"
)

// Times are the moments of one upgrade of a job, as Flink's REST API and the bench's own
// clock saw them (the JobManagers run on the bench's host, so the clocks agree).
type Times struct {
	// Requested is when the bench asked: the spec edit, or the stop-with-savepoint request.
	Requested time.Time
	// OldRunningUntil is when the old job stopped running: Flink's end time for it, else the
	// last poll that saw it RUNNING (its JobManager went before it was seen ended).
	OldRunningUntil time.Time
	// SavepointDone is when Flink acknowledged the stop's savepoint; zero when its JobManager
	// went before the statistics were read (Figures then uses OldRunningUntil: a
	// stop-with-savepoint ends the job as soon as its savepoint completes).
	SavepointDone time.Time
	// NewRunning is Flink's timestamp of the new job's switch to RUNNING.
	NewRunning time.Time
	// FirstCheckpoint is when the new job's first checkpoint completed.
	FirstCheckpoint time.Time
}

// Figures are what an upgrade cost the job.
type Figures struct {
	// Total: from the request to the new job RUNNING (what a user waits for).
	Total time.Duration
	// NotRunning: from the old job's end to the new job RUNNING (no job runs).
	NotRunning time.Duration
	// Gap: from the savepoint to the new job's first completed checkpoint (the progress
	// the upgrade interrupted).
	Gap time.Duration
}

// Figures computes the durations; an error names the moment that is missing or out of order.
func (t Times) Figures() (Figures, error) {
	sp := t.SavepointDone
	if sp.IsZero() {
		sp = t.OldRunningUntil
	}
	for _, m := range []struct {
		name string
		at   time.Time
	}{{"request", t.Requested}, {"old job's end", t.OldRunningUntil}, {"new job RUNNING", t.NewRunning}, {"new job's first checkpoint", t.FirstCheckpoint}} {
		if m.at.IsZero() {
			return Figures{}, fmt.Errorf("the %s was not seen: %+v", m.name, t)
		}
	}
	if t.NewRunning.Before(t.OldRunningUntil) || t.FirstCheckpoint.Before(t.NewRunning) || t.OldRunningUntil.Before(t.Requested) {
		return Figures{}, fmt.Errorf("moments out of order: %+v", t)
	}
	return Figures{
		Total:      t.NewRunning.Sub(t.Requested),
		NotRunning: t.NewRunning.Sub(t.OldRunningUntil),
		Gap:        t.FirstCheckpoint.Sub(sp),
	}, nil
}

// Follow tracks the old and the new job through polls of Flink's job list.
type Follow struct {
	Old string
	// New is the first job other than Old seen not globally terminal; "" until then.
	New string
	// OldEnded says Flink reported Old globally terminal, with its end time in OldRunningUntil.
	OldEnded        bool
	OldRunningUntil time.Time
	// NewRunningSeen says a poll saw New RUNNING (its exact time comes from GET /jobs/:id).
	NewRunningSeen bool
}

// ErrTwoNewJobs is a poll that shows more than one job besides the old one: the bench
// measures one upgrade of one job and cannot say which job is the new one.
var ErrTwoNewJobs = errors.New("more than one new job")

// Observe takes one poll of GET /jobs/overview made at time at.
func (f *Follow) Observe(at time.Time, jobs []flinkrest.JobOverview) error {
	for _, j := range jobs {
		if j.ID == f.Old {
			switch {
			case j.State.IsGloballyTerminal() && j.EndTime > 0:
				f.OldEnded, f.OldRunningUntil = true, time.UnixMilli(j.EndTime)
			case j.State == flinkrest.JobRunning && !f.OldEnded:
				f.OldRunningUntil = at
			}
			continue
		}
		if j.State.IsGloballyTerminal() {
			continue
		}
		if f.New != "" && f.New != j.ID {
			return fmt.Errorf("%w: %s and %s", ErrTwoNewJobs, f.New, j.ID)
		}
		f.New = j.ID
		if j.State == flinkrest.JobRunning {
			f.NewRunningSeen = true
		}
	}
	return nil
}

// FirstCompleted is when the oldest completed checkpoint in a job's statistics completed;
// zero when there is none.
func FirstCompleted(cp *flinkrest.CheckpointStats) time.Time {
	var first int64
	consider := func(c *flinkrest.CheckpointSummary) {
		if c != nil && c.Status == flinkrest.CheckpointCompleted && !c.IsSavepoint && c.LatestAckTimestamp > 0 &&
			(first == 0 || c.LatestAckTimestamp < first) {
			first = c.LatestAckTimestamp
		}
	}
	for i := range cp.History {
		consider(&cp.History[i])
	}
	consider(cp.Latest.Completed)
	if first == 0 {
		return time.Time{}
	}
	return time.UnixMilli(first)
}
