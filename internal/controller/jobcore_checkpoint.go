package controller

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/lifecycle"
)

// triggerCheckpoint asks Flink (1.19+, POST /jobs/:id/checkpoints) for a checkpoint of the
// running job jobID, under a trigger id recorded first in status.jobStatus.checkpointInfo
// (a pending one of the same kind is sent again: Flink treats it as the same request). A
// refusal is reported and its trigger cleared; triggered says Flink took it.
func (c jobCore[T]) triggerCheckpoint(ctx context.Context, obj T, fl rest.API, jobID string,
	typ lifecycle.CheckpointType, why v1beta1.SnapshotTriggerType) (triggered bool, err error) {
	tid := ""
	if ci := c.jobStatus(obj).CheckpointInfo; ci != nil && ci.TriggerID != "" && ci.TriggerType == why {
		tid = ci.TriggerID
	} else {
		tid = rest.NewTriggerID()
		now := c.clock.Now().UnixMilli()
		if err := patchStatus(ctx, c.client, obj, func(o T) {
			ci := ensureCheckpointInfo(c.jobStatus(o))
			ci.TriggerID, ci.TriggerType, ci.TriggerTimestamp, ci.FormatType = tid, why, &now, string(typ)
		}); err != nil {
			return false, err
		}
	}
	if _, err := fl.TriggerCheckpoint(ctx, jobID, rest.CheckpointType(typ), tid); err != nil {
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCheckpointError, "Triggering checkpoint failed: "+err.Error())
		return false, c.clearCheckpointTrigger(ctx, obj)
	}
	return true, nil
}

// pollCheckpoint asks Flink about the checkpoint trigger recorded in obj's status and
// records the result as checkpointInfo.lastCheckpoint (a periodic one also as
// lastPeriodicCheckpointTimestamp, from which the next one is scheduled), or reports the
// failure and clears the trigger. fl is nil while Flink cannot be asked.
func (c jobCore[T]) pollCheckpoint(ctx context.Context, obj T, fl rest.API) error {
	js := c.jobStatus(obj)
	ci := js.CheckpointInfo
	if ci == nil || ci.TriggerID == "" {
		return nil
	}
	age := time.Duration(0)
	if ci.TriggerTimestamp != nil {
		age = c.clock.Now().Sub(time.UnixMilli(*ci.TriggerTimestamp))
	}
	if fl == nil || js.JobID == "" {
		if age > savepointTimeout {
			return c.abandonCheckpoint(ctx, obj, "Checkpoint abandoned: "+c.where+" could not be asked about it for "+age.Round(time.Second).String())
		}
		return nil
	}
	op, err := fl.CheckpointTriggerStatus(ctx, js.JobID, ci.TriggerID)
	if err != nil {
		if rest.IsNotFound(err) && age > time.Minute {
			return c.abandonCheckpoint(ctx, obj, "Checkpoint trigger unknown to Flink: "+err.Error())
		}
		log.FromContext(ctx).Info("Checkpoint status not available yet", "reason", err.Error())
		return nil
	}
	switch {
	case op.Status != rest.OperationCompleted:
		if age > savepointTimeout {
			return c.abandonCheckpoint(ctx, obj, "Checkpoint timed out after "+age.Round(time.Second).String())
		}
		return nil
	case op.Failure != nil:
		return c.abandonCheckpoint(ctx, obj, op.Failure.Message())
	}
	why, format, triggered := ci.TriggerType, ci.FormatType, c.clock.Now().UnixMilli()
	if ci.TriggerTimestamp != nil {
		triggered = *ci.TriggerTimestamp
	}
	var nonce *int64
	if why == v1beta1.SnapshotTriggerManual {
		nonce = c.recordedCheckpointNonce(obj)
	}
	where := ""
	if cp, err := fl.CheckpointDetails(ctx, js.JobID, op.CheckpointID); err == nil && cp.ExternalPath != "" {
		where = " at " + cp.ExternalPath // best effort: the statistics may have moved on
	}
	c.recorder.Event(obj, corev1.EventTypeNormal, ReasonCheckpointCompleted, fmt.Sprintf("%s checkpoint %d completed%s", why, op.CheckpointID, where))
	// As FKO: a checkpoint is dated by its trigger, and the periodic schedule runs from it.
	return patchStatus(ctx, c.client, obj, func(o T) {
		ci := ensureCheckpointInfo(c.jobStatus(o))
		ci.LastCheckpoint = &v1beta1.Checkpoint{TimeStamp: triggered, TriggerType: why, FormatType: format, TriggerNonce: nonce}
		if why == v1beta1.SnapshotTriggerPeriodic {
			ci.LastPeriodicCheckpointTimestamp = triggered
		}
		clearCheckpointTriggerOf(ci)
	})
}

// abandonCheckpoint reports why a checkpoint trigger will not complete, in FKO's words
// followed by the cause, and clears it, so a new one can start (a manual one is not retried:
// its nonce was recorded as handled).
func (c jobCore[T]) abandonCheckpoint(ctx context.Context, obj T, why string) error {
	head := "Periodic checkpoint failed"
	if ci := c.jobStatus(obj).CheckpointInfo; ci != nil && ci.TriggerType == v1beta1.SnapshotTriggerManual {
		head = "Checkpoint failed for checkpointTriggerNonce: " + nonceText(c.recordedCheckpointNonce(obj))
	}
	c.recorder.Event(obj, corev1.EventTypeWarning, ReasonCheckpointError, head+": "+why)
	return c.clearCheckpointTrigger(ctx, obj)
}

// recordedCheckpointNonce is job.checkpointTriggerNonce of lastReconciledSpec, where a manual
// checkpoint's nonce is recorded when it is triggered; either kind of resource has spec.job.
func (c jobCore[T]) recordedCheckpointNonce(obj T) *int64 {
	spec, _, ok, err := v1beta1.ReadSpecWithMeta[struct {
		Job *v1beta1.JobSpec `json:"job,omitempty"`
	}](c.status(obj).ReconciliationStatus.LastReconciledSpec)
	if err != nil || !ok || spec.Job == nil {
		return nil
	}
	return spec.Job.CheckpointTriggerNonce
}

func nonceText(n *int64) string {
	if n == nil {
		return "null"
	}
	return strconv.FormatInt(*n, 10)
}

func (c jobCore[T]) clearCheckpointTrigger(ctx context.Context, obj T) error {
	return patchStatus(ctx, c.client, obj, func(o T) { clearCheckpointTriggerOf(ensureCheckpointInfo(c.jobStatus(o))) })
}

func ensureCheckpointInfo(js *v1beta1.JobStatus) *v1beta1.CheckpointInfo {
	if js.CheckpointInfo == nil {
		js.CheckpointInfo = &v1beta1.CheckpointInfo{}
	}
	return js.CheckpointInfo
}

func clearCheckpointTriggerOf(ci *v1beta1.CheckpointInfo) {
	ci.TriggerID, ci.TriggerType, ci.TriggerTimestamp, ci.FormatType = "", "", nil, ""
}

// checkpointFacts turns the recorded checkpoint info of a deployment or session job into
// the planners' plain values.
func checkpointFacts(ci *v1beta1.CheckpointInfo) lifecycle.CheckpointFacts {
	var f lifecycle.CheckpointFacts
	if ci == nil {
		return f
	}
	if ci.TriggerID != "" {
		f.Pending = &lifecycle.PendingTrigger{TriggerID: ci.TriggerID, Type: ci.TriggerType}
		if ci.TriggerTimestamp != nil {
			f.Pending.Since = time.UnixMilli(*ci.TriggerTimestamp)
		}
	}
	if ci.LastPeriodicCheckpointTimestamp > 0 {
		f.LastPeriodic = time.UnixMilli(ci.LastPeriodicCheckpointTimestamp)
	}
	return f
}
