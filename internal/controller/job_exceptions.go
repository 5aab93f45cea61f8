package controller

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/internal/flink/jobexceptions"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

// jobExceptionEvents announces a job's new failures as JobException Events, as FKO does,
// for FlinkDeployments and FlinkSessionJobs alike. It remembers per resource the job and
// the newest failure announced; the memory is the operator's own, so after a restart the
// JobManager's recent history is announced once more (the API server folds repeated
// Events into a count).
type jobExceptionEvents struct {
	mu   sync.Mutex
	seen map[types.UID]announced
}

type announced struct {
	jobID  string
	newest int64 // ms timestamp of the newest failure announced
}

// report fetches the job's exception history and records an Event for each failure not
// announced yet; for a failed job it returns why it failed (jobexceptions.Failure), which
// the job core records in status.error. A failed fetch only logs: the history is best
// effort, never a reason to stop reconciling.
func (x *jobExceptionEvents) report(ctx context.Context, rec record.EventRecorder, obj client.Object, api rest.API, jobID string,
	failed bool, opts lifecycle.Options) string {
	if api == nil || jobID == "" || (opts.ExceptionEvents <= 0 && !failed) {
		return ""
	}
	hist, err := api.JobExceptions(observeCtx(ctx), jobID, max(opts.ExceptionEvents, 1))
	if err != nil {
		log.FromContext(ctx).V(1).Info("Job exception history not readable", "reason", err.Error())
		return ""
	}
	var failure string
	if failed {
		failure = jobexceptions.Failure(hist)
	}
	if opts.ExceptionEvents <= 0 {
		return failure
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seen == nil {
		x.seen = map[types.UID]announced{}
	}
	last := x.seen[obj.GetUID()]
	if last.jobID != jobID {
		last = announced{jobID: jobID}
	}
	reports, newest := jobexceptions.Since(hist, last.newest, opts.ExceptionEvents, opts.ExceptionStackLines)
	for _, r := range reports {
		rec.Event(obj, corev1.EventTypeWarning, ReasonJobException, r.Message)
	}
	x.seen[obj.GetUID()] = announced{jobID: jobID, newest: newest}
	return failure
}

// forget drops what was announced for a deleted resource.
func (x *jobExceptionEvents) forget(uid types.UID) {
	x.mu.Lock()
	delete(x.seen, uid)
	x.mu.Unlock()
}
