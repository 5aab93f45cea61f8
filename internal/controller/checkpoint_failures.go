package controller

import (
	"context"
	"io"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/internal/flink/checkpointfailure"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/flink/rest"
)

// The JobManager's log can be 100 MB and Flink sends all of it, so it is read once per run
// of failures, again after logRereadAfter while the failures go on, or, when it named no
// cause yet, once another checkpoint has failed and logRetryAfter has passed.
const (
	logRereadAfter = 5 * time.Minute
	logRetryAfter  = 10 * time.Second
)

// logReadTimeout bounds one read of the JobManager's log.
const logReadTimeout = 30 * time.Second

// checkpointFailures tells, per resource, whether its job's checkpoints are failing and
// why (checkpointfailure). The cause found in the JobManager's log is remembered in the
// operator's memory, so that the log is not read on every loop.
type checkpointFailures struct {
	mu   sync.Mutex
	seen map[types.UID]causeRead
}

type causeRead struct {
	jobID      string
	checkpoint int64 // the failed checkpoint whose log was read
	cause      string
	at         time.Time
}

// check returns the error to show for the job's failing checkpoints ("" when they are
// fine, or the job has ended) and whether Flink answered at all (if not, the status is left
// as it is).
func (x *checkpointFailures) check(ctx context.Context, uid types.UID, api rest.API, job *rest.JobOverview, now time.Time) (string, bool) {
	if api == nil || job == nil || job.ID == "" {
		return "", false
	}
	if jobstate.Terminal(string(job.State)) {
		x.forget(uid)
		return "", true
	}
	jobID := job.ID
	cp, err := api.Checkpoints(observeCtx(ctx), jobID)
	if err != nil {
		log.FromContext(ctx).V(1).Info("Checkpoint statistics not readable", "reason", err.Error())
		return "", false
	}
	f := checkpointfailure.Failing(cp)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seen == nil {
		x.seen = map[types.UID]causeRead{}
	}
	if f == nil {
		delete(x.seen, uid)
		return "", true
	}
	last, ok := x.seen[uid]
	age := now.Sub(last.at)
	fresh := ok && last.jobID == jobID && age < logRereadAfter &&
		(last.cause != "" || last.checkpoint == f.ID || age < logRetryAfter)
	if !fresh {
		last = causeRead{jobID: jobID, checkpoint: f.ID, at: now}
		err := api.JobManagerLog(rest.WithCallAttempts(rest.WithCallTimeout(ctx, logReadTimeout), 1), func(r io.Reader) error {
			var err error
			last.cause, err = checkpointfailure.CauseInLog(r, jobID)
			return err
		})
		if err != nil {
			log.FromContext(ctx).V(1).Info("JobManager log not readable", "reason", err.Error())
		}
		x.seen[uid] = last
	}
	return checkpointfailure.Message(f, last.cause), true
}

// forget drops what was remembered of a deleted resource.
func (x *checkpointFailures) forget(uid types.UID) {
	x.mu.Lock()
	delete(x.seen, uid)
	x.mu.Unlock()
}
