package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testTrigger = "fedcba9876543210fedcba9876543210"

func TestAwaitSavepointPollsUntilCompleted(t *testing.T) {
	var rec recorder
	c, waits := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jobs/"+testJob+"/savepoints/"+testTrigger {
			flinkError(w, 404, "wrong path "+r.URL.Path)
			return
		}
		if rec.record(r) < 3 {
			writeJSON(w, 200, map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}, "operation": nil})
			return
		}
		writeJSON(w, 200, map[string]any{
			"status":    map[string]string{"id": "COMPLETED"},
			"operation": map[string]any{"location": "file:/tmp/sp/savepoint-0123ab-0000"},
		})
	})
	loc, err := c.AwaitSavepoint(context.Background(), testJob, testTrigger, PollInterval{Initial: 1, Max: 4})
	if err != nil {
		t.Fatal(err)
	}
	if loc != "file:/tmp/sp/savepoint-0123ab-0000" || rec.count() != 3 || len(*waits) != 2 {
		t.Errorf("loc=%q requests=%d waits=%v", loc, rec.count(), *waits)
	}
}

func TestAwaitSavepointReturnsFlinksFailureCause(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"status": map[string]string{"id": "COMPLETED"},
			"operation": map[string]any{"failure-cause": map[string]string{
				"class":       "java.util.concurrent.CompletionException",
				"stack-trace": "java.util.concurrent.CompletionException: outer\n\tat x\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.\n\tat y",
			}},
		})
	})
	_, err := c.AwaitSavepoint(context.Background(), testJob, testTrigger, DefaultPoll)
	var of *OperationFailedError
	if !errors.As(err, &of) {
		t.Fatalf("want OperationFailedError, got %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "Checkpoint Coordinator is suspending") || of.TriggerID != testTrigger {
		t.Errorf("cause lost: %v", err)
	}
}

func TestAwaitCheckpointReadsCamelCaseFailure(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"status":    map[string]string{"id": "COMPLETED"},
			"operation": map[string]any{"failureCause": map[string]string{"class": "x", "stack-trace": "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing."}},
		})
	})
	_, err := c.AwaitCheckpoint(context.Background(), testJob, testTrigger, DefaultPoll)
	if !strings.Contains(err.Error(), "Checkpoint expired before completing") {
		t.Fatalf("got %v", err)
	}
}

func TestAwaitCheckpointReturnsID(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": map[string]string{"id": "COMPLETED"}, "operation": map[string]any{"checkpointId": 42}})
	})
	id, err := c.AwaitCheckpoint(context.Background(), testJob, testTrigger, DefaultPoll)
	if err != nil || id != 42 {
		t.Fatalf("id=%d err=%v", id, err)
	}
}

func TestAwaitStopsWhenCallerGivesUp(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}})
	})
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	c.sleep = func(context.Context, time.Duration) error {
		polls++
		if polls == 3 {
			cancel()
			return context.Canceled
		}
		return nil
	}
	err := c.AwaitDisposal(ctx, testTrigger, DefaultPoll)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still in progress") {
		t.Fatalf("got %v", err)
	}
}

func TestAwaitPropagatesUnknownTrigger(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		flinkError(w, 404, "Operation not found under key: ...")
	})
	_, err := c.AwaitSavepoint(context.Background(), testJob, testTrigger, DefaultPoll)
	if !IsNotFound(err) {
		t.Fatalf("got %v", err)
	}
}
