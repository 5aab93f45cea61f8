package controller

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// errTypeJobFailed is the type of the status.error a failed job leaves: Flink's own
// exception for a job whose execution failed.
const errTypeJobFailed = "org.apache.flink.runtime.client.JobExecutionException"

// msgJobFailed starts the message of that error, which is how it is told from others.
const msgJobFailed = "Job failed: "

// recordJobFailure puts why a job failed (failure, from Flink's exception history) into
// status.error, so that a failed job says why where users and ArgoCD look: a bug in the
// job, a source it cannot read, its restarts used up. The Events of the
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

// errTypeCheckpointFailed is the type of the status.error of a job whose checkpoints fail:
// Flink's own exception for a failed checkpoint.
const errTypeCheckpointFailed = "org.apache.flink.runtime.checkpoint.CheckpointException"

// msgCheckpointsFailing starts the message of that error, which is how it is told from
// others.
const msgCheckpointsFailing = "Checkpoints failing: "

// recordCheckpointFailure puts why the job's checkpoints fail (failing, from
// checkpointFailures; "" when they are fine) into status.error with a CheckpointError
// Event, and takes it away once a checkpoint completes again. The job itself is left to
// Flink (it restarts, or runs on without checkpoints, by its own settings): a bucket that
// does not exist or credentials the S3 server refuses are the user's to fix, and Flink's
// exception says which. Any other error in status (a rejected spec, a failed job, a failed
// step) is more urgent and stays.
func (c jobCore[T]) recordCheckpointFailure(ctx context.Context, obj T, failing string) error {
	cur := c.status(obj).Error
	ours := strings.Contains(cur, `"message":"`+msgCheckpointsFailing)
	switch {
	case failing != "" && (cur == "" || ours):
		e := statusError(errTypeCheckpointFailed, msgCheckpointsFailing+failing)
		if cur == e {
			return nil
		}
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCheckpointError, msgCheckpointsFailing+failing)
		log.FromContext(ctx).Info("Checkpoints failing", "reason", failing)
		return patchStatus(ctx, c.client, obj, func(o T) { c.status(o).Error = e })
	case failing == "" && ours:
		return patchStatus(ctx, c.client, obj, func(o T) {
			if strings.Contains(c.status(o).Error, `"message":"`+msgCheckpointsFailing) {
				c.status(o).Error = ""
			}
		})
	}
	return nil
}
