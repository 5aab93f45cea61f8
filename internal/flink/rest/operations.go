package rest

import (
	"context"
	"fmt"
	"time"
)

// QueueStatus is the state of an asynchronous operation.
type QueueStatus string

// Asynchronous operation states.
const (
	OperationInProgress QueueStatus = "IN_PROGRESS"
	OperationCompleted  QueueStatus = "COMPLETED"
)

// OperationFailure is Flink's serialized failure cause of an asynchronous operation.
type OperationFailure struct {
	Class      string `json:"class"`
	StackTrace string `json:"stack-trace"`
}

// Message condenses the stack trace to its head line and innermost cause.
func (f *OperationFailure) Message() string {
	if f.StackTrace != "" {
		return condenseTrace(f.StackTrace)
	}
	return f.Class
}

// SavepointOperation is the status of a savepoint or stop-with-savepoint trigger.
// COMPLETED with a nil Failure means Location holds the savepoint path.
type SavepointOperation struct {
	Status   QueueStatus
	Location string
	Failure  *OperationFailure
}

// CheckpointOperation is the status of a checkpoint trigger.
type CheckpointOperation struct {
	Status       QueueStatus
	CheckpointID int64
	Failure      *OperationFailure
}

// DisposalOperation is the status of a savepoint disposal.
type DisposalOperation struct {
	Status  QueueStatus
	Failure *OperationFailure
}

// operationResult is the generic {"status": {"id": ...}, "operation": {...}} envelope.
type operationResult[T any] struct {
	Status struct {
		ID QueueStatus `json:"id"`
	} `json:"status"`
	Operation *T `json:"operation"`
}

// failureFields accepts both spellings Flink uses: savepoint/disposal results say
// "failure-cause", checkpoint results say "failureCause".
type failureFields struct {
	Dashed *OperationFailure `json:"failure-cause"`
	Camel  *OperationFailure `json:"failureCause"`
}

func (f failureFields) failure() *OperationFailure {
	if f.Dashed != nil {
		return f.Dashed
	}
	return f.Camel
}

type savepointOperationBody struct {
	Location string `json:"location"`
	failureFields
}

type checkpointOperationBody struct {
	CheckpointID int64 `json:"checkpointId"`
	failureFields
}

// OperationFailedError is returned by the Await helpers when Flink finished an operation
// with a failure; Message is Flink's own cause.
type OperationFailedError struct {
	Operation string // "savepoint", "checkpoint", "savepoint disposal"
	TriggerID string
	Failure   OperationFailure
}

func (e *OperationFailedError) Error() string {
	return fmt.Sprintf("flink %s %s failed: %s", e.Operation, e.TriggerID, e.Failure.Message())
}

// PollInterval bounds how often the Await helpers ask Flink for an operation's status.
type PollInterval struct {
	Initial time.Duration
	Max     time.Duration
}

// DefaultPoll starts fast (small savepoints finish in well under a second) and backs off.
var DefaultPoll = PollInterval{Initial: 200 * time.Millisecond, Max: 2 * time.Second}

// awaitOperation polls until done reports completion or ctx ends. The caller's context is
// the overall timeout: an operation still IN_PROGRESS then yields ctx's error.
func (c *Client) awaitOperation(ctx context.Context, poll PollInterval, what, triggerID string, check func(ctx context.Context) (done bool, err error)) error {
	if poll.Initial <= 0 {
		poll = DefaultPoll
	}
	wait := poll.Initial
	for {
		done, err := check(ctx)
		if err != nil || done {
			return err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("flink %s %s still in progress: %w", what, triggerID, err)
		}
		wait = min(wait*2, max(poll.Max, poll.Initial))
	}
}

// AwaitSavepoint polls a savepoint or stop-with-savepoint trigger until it completes and
// returns the savepoint location, or an *OperationFailedError carrying Flink's cause.
func (c *Client) AwaitSavepoint(ctx context.Context, jobID, triggerID string, poll PollInterval) (string, error) {
	var location string
	err := c.awaitOperation(ctx, poll, "savepoint", triggerID, func(ctx context.Context) (bool, error) {
		op, err := c.SavepointStatus(ctx, jobID, triggerID)
		if err != nil {
			return false, err
		}
		if op.Status != OperationCompleted {
			return false, nil
		}
		if op.Failure != nil {
			return true, &OperationFailedError{Operation: "savepoint", TriggerID: triggerID, Failure: *op.Failure}
		}
		location = op.Location
		return true, nil
	})
	return location, err
}

// AwaitCheckpoint polls a checkpoint trigger until it completes and returns the id of the
// checkpoint it produced.
func (c *Client) AwaitCheckpoint(ctx context.Context, jobID, triggerID string, poll PollInterval) (int64, error) {
	var id int64
	err := c.awaitOperation(ctx, poll, "checkpoint", triggerID, func(ctx context.Context) (bool, error) {
		op, err := c.CheckpointTriggerStatus(ctx, jobID, triggerID)
		if err != nil {
			return false, err
		}
		if op.Status != OperationCompleted {
			return false, nil
		}
		if op.Failure != nil {
			return true, &OperationFailedError{Operation: "checkpoint", TriggerID: triggerID, Failure: *op.Failure}
		}
		id = op.CheckpointID
		return true, nil
	})
	return id, err
}

// AwaitDisposal polls a savepoint disposal until it completes.
func (c *Client) AwaitDisposal(ctx context.Context, triggerID string, poll PollInterval) error {
	return c.awaitOperation(ctx, poll, "savepoint disposal", triggerID, func(ctx context.Context) (bool, error) {
		op, err := c.DisposalStatus(ctx, triggerID)
		if err != nil {
			return false, err
		}
		if op.Status != OperationCompleted {
			return false, nil
		}
		if op.Failure != nil {
			return true, &OperationFailedError{Operation: "savepoint disposal", TriggerID: triggerID, Failure: *op.Failure}
		}
		return true, nil
	})
}
