package controller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
)

// poll asks Flink about the trigger recorded in obj's status and records the result: the
// savepoint joins the history (an UPGRADE one also becomes jobStatus.upgradeSavepointPath,
// which the next deployment restores), or the failure is reported and the trigger cleared.
// fl is nil while Flink cannot be asked.
func (c jobCore[T]) poll(ctx context.Context, obj T, fl rest.API) error {
	js := c.jobStatus(obj)
	si := js.SavepointInfo
	if si == nil || si.TriggerID == "" {
		return nil
	}
	age := time.Duration(0)
	if si.TriggerTimestamp != nil {
		age = c.clock.Now().Sub(time.UnixMilli(*si.TriggerTimestamp))
	}
	if fl == nil || js.JobID == "" {
		if age > savepointTimeout {
			return c.abandon(ctx, obj, "Savepoint abandoned: "+c.where+" could not be asked about it for "+age.Round(time.Second).String())
		}
		return nil
	}
	op, err := fl.SavepointStatus(ctx, js.JobID, si.TriggerID)
	if err != nil {
		if rest.IsNotFound(err) && age > time.Minute {
			return c.abandon(ctx, obj, "Savepoint trigger unknown to Flink: "+err.Error())
		}
		log.FromContext(ctx).Info("Savepoint status not available yet", "reason", err.Error())
		return nil
	}
	switch {
	case op.Status != rest.OperationCompleted:
		if age > savepointTimeout {
			return c.abandon(ctx, obj, "Savepoint timed out after "+age.Round(time.Second).String())
		}
		return nil
	case op.Failure != nil:
		return c.abandon(ctx, obj, "Savepoint failed: "+op.Failure.Message())
	}
	why := si.TriggerType
	now := c.clock.Now().UnixMilli()
	c.recorder.Eventf(obj, corev1.EventTypeNormal, "SavepointCompleted", "%s savepoint completed at %s", why, op.Location)
	sp := v1beta1.Savepoint{TimeStamp: now, Location: op.Location, TriggerType: why, FormatType: si.FormatType}
	err = patchStatus(ctx, c.client, obj, func(o T) {
		js := c.jobStatus(o)
		si := ensureSavepointInfo(js)
		si.LastSavepoint = &sp
		si.SavepointHistory = append(si.SavepointHistory, sp)
		if why == v1beta1.SnapshotTriggerPeriodic {
			si.LastPeriodicSavepointTimestamp = now
		}
		if why == v1beta1.SnapshotTriggerUpgrade {
			js.UpgradeSavepointPath = op.Location
		}
		clearTriggerOf(si)
	})
	if err == nil && c.recorded != nil {
		c.recorded(ctx, obj, sp)
	}
	return err
}

// abandon reports why a trigger will not complete and clears it, so a new one can start;
// a failed stop-with-savepoint (UPGRADE) is not tried again for stopRetryWait.
func (c jobCore[T]) abandon(ctx context.Context, obj T, why string) error {
	c.recorder.Event(obj, corev1.EventTypeWarning, ReasonSavepointError, why)
	if si := c.jobStatus(obj).SavepointInfo; si != nil && si.TriggerType == v1beta1.SnapshotTriggerUpgrade {
		c.holdStops(obj)
	}
	return c.clearTrigger(ctx, obj)
}

// holdStops keeps obj's next stop-with-savepoint back for stopRetryWait.
func (c jobCore[T]) holdStops(obj T) {
	if c.stops != nil {
		c.stops.hold(obj.GetUID(), c.clock.Now().Add(stopRetryWait))
	}
}

// stopHeld says whether obj's last stop-with-savepoint failed less than stopRetryWait ago.
func (c jobCore[T]) stopHeld(obj T) bool {
	return c.stops != nil && c.stops.backingOff(obj.GetUID(), c.clock.Now())
}

func (c jobCore[T]) clearTrigger(ctx context.Context, obj T) error {
	return patchStatus(ctx, c.client, obj, func(o T) { clearTriggerOf(ensureSavepointInfo(c.jobStatus(o))) })
}

func ensureSavepointInfo(js *v1beta1.JobStatus) *v1beta1.SavepointInfo {
	if js.SavepointInfo == nil {
		js.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	return js.SavepointInfo
}

func clearTriggerOf(si *v1beta1.SavepointInfo) {
	si.TriggerID, si.TriggerType, si.TriggerTimestamp, si.FormatType = "", "", nil, ""
}
