package controller

import (
	"context"
	"strings"
)

// errTypeJobFailed is the type of the status.error a failed job leaves: Flink's own
// exception for a job whose execution failed.
const errTypeJobFailed = "org.apache.flink.runtime.client.JobExecutionException"

// msgJobFailed starts the message of that error, which is how it is told from others.
const msgJobFailed = "Job failed: "

// recordJobFailure puts why a job failed (failure, from Flink's exception history) into
// status.error, so that a failed job says why where users and ArgoCD look: a checkpoint
// that cannot reach its bucket, a refused credential, a bug in the job. The Events of the
// same failures are JobException Events (job_exceptions.go). Once a job runs again the
// error goes. A rejected spec's error is never replaced: it is what the user must fix.
func (c jobCore[T]) recordJobFailure(ctx context.Context, obj T, failed bool, failure string) error {
	cur := c.status(obj).Error
	ours := strings.Contains(cur, `"message":"`+msgJobFailed)
	switch {
	case failed && !strings.Contains(cur, errTypeValidation):
		if failure == "" {
			failure = "Flink's exception history says nothing more; see the JobManager's log"
		}
		e := statusError(errTypeJobFailed, msgJobFailed+failure)
		if cur == e {
			return nil
		}
		return patchStatus(ctx, c.client, obj, func(o T) { c.status(o).Error = e })
	case !failed && ours:
		return patchStatus(ctx, c.client, obj, func(o T) {
			if strings.Contains(c.status(o).Error, `"message":"`+msgJobFailed) {
				c.status(o).Error = ""
			}
		})
	}
	return nil
}
