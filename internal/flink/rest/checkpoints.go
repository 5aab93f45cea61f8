package rest

import (
	"context"
	"net/http"
)

// CheckpointStats is GET /jobs/:id/checkpoints.
type CheckpointStats struct {
	Counts struct {
		Restored   int64 `json:"restored"`
		Total      int64 `json:"total"`
		InProgress int64 `json:"in_progress"`
		Completed  int64 `json:"completed"`
		Failed     int64 `json:"failed"`
	} `json:"counts"`
	Latest struct {
		Completed *CheckpointSummary  `json:"completed"`
		Savepoint *CheckpointSummary  `json:"savepoint"`
		Failed    *CheckpointSummary  `json:"failed"`
		Restored  *RestoredCheckpoint `json:"restored"`
	} `json:"latest"`
	History []CheckpointSummary `json:"history"`
}

// CheckpointStatus is the state of one checkpoint in the statistics.
type CheckpointStatus string

// Checkpoint states.
const (
	CheckpointInProgress CheckpointStatus = "IN_PROGRESS"
	CheckpointCompleted  CheckpointStatus = "COMPLETED"
	CheckpointFailed     CheckpointStatus = "FAILED"
)

// CheckpointSummary is one checkpoint or savepoint in the statistics (history, latest.*,
// and GET /jobs/:id/checkpoints/details/:cid).
type CheckpointSummary struct {
	ClassName              string           `json:"className"`
	ID                     int64            `json:"id"`
	Status                 CheckpointStatus `json:"status"`
	IsSavepoint            bool             `json:"is_savepoint"`
	SavepointFormat        string           `json:"savepointFormat"`
	CheckpointType         string           `json:"checkpoint_type"` // CHECKPOINT, UNALIGNED_CHECKPOINT, SAVEPOINT, SYNC_SAVEPOINT
	TriggerTimestamp       int64            `json:"trigger_timestamp"`
	LatestAckTimestamp     int64            `json:"latest_ack_timestamp"`
	StateSize              int64            `json:"state_size"`
	CheckpointedSize       int64            `json:"checkpointed_size"`
	EndToEndDuration       int64            `json:"end_to_end_duration"`
	NumSubtasks            int              `json:"num_subtasks"`
	NumAcknowledgedSubtask int              `json:"num_acknowledged_subtasks"`
	// Completed checkpoints only.
	ExternalPath string `json:"external_path,omitempty"`
	Discarded    bool   `json:"discarded,omitempty"`
	// Failed checkpoints only.
	FailureTimestamp int64  `json:"failure_timestamp,omitempty"`
	FailureMessage   string `json:"failure_message,omitempty"`
}

// RestoredCheckpoint says which checkpoint or savepoint the job's current run started from:
// the proof that an upgrade carried state over.
type RestoredCheckpoint struct {
	ID               int64  `json:"id"`
	RestoreTimestamp int64  `json:"restore_timestamp"`
	IsSavepoint      bool   `json:"is_savepoint"`
	ExternalPath     string `json:"external_path"`
}

// CheckpointConfig is GET /jobs/:id/checkpoints/config. Interval is negative (Long.MAX or
// -1 depending on version) when checkpointing is disabled; use Enabled.
type CheckpointConfig struct {
	Mode            string `json:"mode"`
	Interval        int64  `json:"interval"`
	Timeout         int64  `json:"timeout"`
	MinPause        int64  `json:"min_pause"`
	MaxConcurrent   int64  `json:"max_concurrent"`
	Externalization struct {
		Enabled              bool `json:"enabled"`
		DeleteOnCancellation bool `json:"delete_on_cancellation"`
	} `json:"externalization"`
	StateBackend               string `json:"state_backend"`
	CheckpointStorage          string `json:"checkpoint_storage"`
	UnalignedCheckpoints       bool   `json:"unaligned_checkpoints"`
	TolerableFailedCheckpoints int    `json:"tolerable_failed_checkpoints"`
	AlignedCheckpointTimeout   int64  `json:"aligned_checkpoint_timeout"`
	CheckpointsAfterTasksEnd   bool   `json:"checkpoints_after_tasks_finish"`
	StateChangelogEnabled      bool   `json:"state_changelog_enabled"`
}

// CheckpointType selects what POST /jobs/:id/checkpoints takes.
type CheckpointType string

// Checkpoint trigger types (Flink 1.19+).
const (
	CheckpointConfigured  CheckpointType = "CONFIGURED"
	CheckpointFull        CheckpointType = "FULL"
	CheckpointIncremental CheckpointType = "INCREMENTAL"
)

// Checkpoints returns GET /jobs/:id/checkpoints.
func (c *Client) Checkpoints(ctx context.Context, jobID string) (*CheckpointStats, error) {
	p, err := jobPath(jobID, "checkpoints")
	if err != nil {
		return nil, err
	}
	var out CheckpointStats
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckpointDetails returns GET /jobs/:id/checkpoints/details/:cid.
func (c *Client) CheckpointDetails(ctx context.Context, jobID string, checkpointID int64) (*CheckpointSummary, error) {
	p, err := jobPath(jobID, "checkpoints", "details", itoa(checkpointID))
	if err != nil {
		return nil, err
	}
	var out CheckpointSummary
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCheckpointConfig returns GET /jobs/:id/checkpoints/config.
func (c *Client) GetCheckpointConfig(ctx context.Context, jobID string) (*CheckpointConfig, error) {
	p, err := jobPath(jobID, "checkpoints", "config")
	if err != nil {
		return nil, err
	}
	var out CheckpointConfig
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TriggerCheckpoint starts a checkpoint (POST /jobs/:id/checkpoints, Flink 1.19+) and
// returns its trigger id. triggerID may be "" to let the client pick one; supplying a
// stable one (e.g. stored in status first) makes a retried reconcile hit the same operation.
func (c *Client) TriggerCheckpoint(ctx context.Context, jobID string, typ CheckpointType, triggerID string) (string, error) {
	p, err := jobPath(jobID, "checkpoints")
	if err != nil {
		return "", err
	}
	if triggerID, err = ensureTriggerID(triggerID); err != nil {
		return "", err
	}
	body := struct {
		CheckpointType CheckpointType `json:"checkpointType,omitempty"`
		TriggerID      string         `json:"triggerId"`
	}{typ, triggerID}
	return c.trigger(ctx, p, body)
}

// CheckpointTriggerStatus returns GET /jobs/:id/checkpoints/:triggerid.
func (c *Client) CheckpointTriggerStatus(ctx context.Context, jobID, triggerID string) (*CheckpointOperation, error) {
	if err := validateTriggerID(triggerID); err != nil {
		return nil, err
	}
	p, err := jobPath(jobID, "checkpoints", triggerID)
	if err != nil {
		return nil, err
	}
	var raw operationResult[checkpointOperationBody]
	if err := c.get(ctx, p, nil, &raw); err != nil {
		return nil, err
	}
	op := &CheckpointOperation{Status: raw.Status.ID}
	if raw.Operation != nil {
		op.CheckpointID = raw.Operation.CheckpointID
		op.Failure = raw.Operation.failure()
	}
	return op, nil
}

// trigger POSTs a body carrying a triggerId. Flink acknowledges a repeated trigger id
// without starting a second operation, which is what makes the retry safe.
func (c *Client) trigger(ctx context.Context, path string, body any) (string, error) {
	var out struct {
		RequestID string `json:"request-id"`
	}
	if err := c.do(ctx, call{method: http.MethodPost, path: path, body: body, idempotent: true}, &out); err != nil {
		return "", err
	}
	return out.RequestID, nil
}
