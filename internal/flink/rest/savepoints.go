package rest

import (
	"context"
	"net/http"
)

// SavepointFormat selects the savepoint format; "" lets Flink use its default (CANONICAL).
// Flink 2.x cannot write CANONICAL savepoints of jobs that use the async state API (the
// task fails with "Not supported yet"); such jobs need NATIVE.
type SavepointFormat string

// Savepoint formats.
const (
	SavepointCanonical SavepointFormat = "CANONICAL"
	SavepointNative    SavepointFormat = "NATIVE"
)

// SavepointRequest configures a savepoint trigger.
type SavepointRequest struct {
	// TargetDirectory may be "" when the cluster sets execution.checkpointing.savepoint-dir
	// (state.savepoints.dir on 1.x).
	TargetDirectory string
	Format          SavepointFormat
	// TriggerID may be "" to let the client choose; see TriggerCheckpoint.
	TriggerID string
}

// StopRequest configures stop-with-savepoint.
type StopRequest struct {
	TargetDirectory string
	// Drain emits MAX_WATERMARK first, flushing event-time timers; the job then cannot be
	// resumed as if nothing happened, so upgrades leave it false.
	Drain     bool
	Format    SavepointFormat
	TriggerID string
}

// TriggerSavepoint starts a savepoint and keeps the job running (POST /jobs/:id/savepoints).
func (c *Client) TriggerSavepoint(ctx context.Context, jobID string, r SavepointRequest) (string, error) {
	p, err := jobPath(jobID, "savepoints")
	if err != nil {
		return "", err
	}
	tid, err := ensureTriggerID(r.TriggerID)
	if err != nil {
		return "", err
	}
	body := struct {
		TargetDirectory string          `json:"target-directory,omitempty"`
		CancelJob       bool            `json:"cancel-job"`
		FormatType      SavepointFormat `json:"formatType,omitempty"`
		TriggerID       string          `json:"triggerId"`
	}{r.TargetDirectory, false, r.Format, tid}
	return c.trigger(ctx, p, body)
}

// StopWithSavepoint takes a savepoint and stops the job (POST /jobs/:id/stop). Poll the
// returned trigger id with AwaitSavepoint.
func (c *Client) StopWithSavepoint(ctx context.Context, jobID string, r StopRequest) (string, error) {
	p, err := jobPath(jobID, "stop")
	if err != nil {
		return "", err
	}
	tid, err := ensureTriggerID(r.TriggerID)
	if err != nil {
		return "", err
	}
	body := struct {
		TargetDirectory string          `json:"targetDirectory,omitempty"`
		Drain           bool            `json:"drain"`
		FormatType      SavepointFormat `json:"formatType,omitempty"`
		TriggerID       string          `json:"triggerId"`
	}{r.TargetDirectory, r.Drain, r.Format, tid}
	return c.trigger(ctx, p, body)
}

// SavepointStatus returns GET /jobs/:id/savepoints/:triggerid; it serves both savepoint
// and stop-with-savepoint triggers.
func (c *Client) SavepointStatus(ctx context.Context, jobID, triggerID string) (*SavepointOperation, error) {
	if err := validateTriggerID(triggerID); err != nil {
		return nil, err
	}
	p, err := jobPath(jobID, "savepoints", triggerID)
	if err != nil {
		return nil, err
	}
	var raw operationResult[savepointOperationBody]
	if err := c.get(ctx, p, nil, &raw); err != nil {
		return nil, err
	}
	op := &SavepointOperation{Status: raw.Status.ID}
	if raw.Operation != nil {
		op.Location = raw.Operation.Location
		op.Failure = raw.Operation.failure()
	}
	return op, nil
}

// DisposeSavepoint starts deleting a savepoint's files through the JobManager
// (POST /savepoint-disposal). It is not retried automatically: Flink has no trigger id for
// it, so a retry would start a second disposal.
func (c *Client) DisposeSavepoint(ctx context.Context, savepointPath string) (string, error) {
	body := struct {
		Path string `json:"savepoint-path"`
	}{savepointPath}
	var out struct {
		RequestID string `json:"request-id"`
	}
	if err := c.do(ctx, call{method: http.MethodPost, path: "/savepoint-disposal", body: body}, &out); err != nil {
		return "", err
	}
	return out.RequestID, nil
}

// DisposalStatus returns GET /savepoint-disposal/:triggerid.
func (c *Client) DisposalStatus(ctx context.Context, triggerID string) (*DisposalOperation, error) {
	if err := validateTriggerID(triggerID); err != nil {
		return nil, err
	}
	var raw operationResult[failureFields]
	if err := c.get(ctx, "/savepoint-disposal/"+triggerID, nil, &raw); err != nil {
		return nil, err
	}
	op := &DisposalOperation{Status: raw.Status.ID}
	if raw.Operation != nil {
		op.Failure = raw.Operation.failure()
	}
	return op, nil
}

func ensureTriggerID(id string) (string, error) {
	if id == "" {
		return NewTriggerID(), nil
	}
	return id, validateTriggerID(id)
}
