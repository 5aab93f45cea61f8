package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"weir.dev/weir/internal/flink/jobstate"
)

// JobStatus is Flink's job state (JobStatus enum).
type JobStatus string

// Flink job states.
const (
	JobInitializing JobStatus = jobstate.Initializing
	JobCreated      JobStatus = jobstate.Created
	JobRunning      JobStatus = jobstate.Running
	JobFailing      JobStatus = jobstate.Failing
	JobFailed       JobStatus = jobstate.Failed
	JobCancelling   JobStatus = jobstate.Cancelling
	JobCanceled     JobStatus = jobstate.Canceled
	JobFinished     JobStatus = jobstate.Finished
	JobRestarting   JobStatus = jobstate.Restarting
	JobSuspended    JobStatus = jobstate.Suspended
	JobReconciling  JobStatus = jobstate.Reconciling
)

// IsGloballyTerminal reports states a job never leaves (FINISHED, CANCELED, FAILED).
// SUSPENDED is only locally terminal: another JobManager may resume the job from HA data.
func (s JobStatus) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// JobOverview is one entry of GET /jobs/overview.
type JobOverview struct {
	ID               string         `json:"jid"`
	Name             string         `json:"name"`
	State            JobStatus      `json:"state"`
	StartTime        int64          `json:"start-time"`
	EndTime          int64          `json:"end-time"`
	Duration         int64          `json:"duration"`
	LastModification int64          `json:"last-modification"`
	Tasks            map[string]int `json:"tasks"`
}

// JobDetails is GET /jobs/:id.
type JobDetails struct {
	ID             string              `json:"jid"`
	Name           string              `json:"name"`
	IsStoppable    bool                `json:"isStoppable"`
	State          JobStatus           `json:"state"`
	JobType        string              `json:"job-type"` // STREAMING or BATCH (1.19+)
	StartTime      int64               `json:"start-time"`
	EndTime        int64               `json:"end-time"`
	Duration       int64               `json:"duration"`
	MaxParallelism int64               `json:"maxParallelism"`
	Now            int64               `json:"now"`
	Timestamps     map[JobStatus]int64 `json:"timestamps"`
	Vertices       []JobVertex         `json:"vertices"`
	StatusCounts   map[string]int      `json:"status-counts"`
	Plan           json.RawMessage     `json:"plan"`
}

// JobVertex is one operator chain of a job.
type JobVertex struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Parallelism    int            `json:"parallelism"`
	MaxParallelism int            `json:"maxParallelism"`
	Status         string         `json:"status"`
	StartTime      int64          `json:"start-time"`
	EndTime        int64          `json:"end-time"`
	Duration       int64          `json:"duration"`
	Tasks          map[string]int `json:"tasks"`
}

// JobExceptions is GET /jobs/:id/exceptions. Flink 1.x also sends the deprecated
// top-level fields (root-exception, timestamp, all-exceptions); Flink 2.x sends only
// exceptionHistory, so use RootCause rather than reading them directly.
type JobExceptions struct {
	ExceptionHistory struct {
		Entries   []ExceptionEntry `json:"entries"`
		Truncated bool             `json:"truncated"`
	} `json:"exceptionHistory"`

	// Deprecated in Flink 1.x, absent in 2.x.
	RootException string `json:"root-exception,omitempty"`
	Timestamp     int64  `json:"timestamp,omitempty"`
}

// ExceptionEntry is one failure in the exception history.
type ExceptionEntry struct {
	ExceptionName        string            `json:"exceptionName"`
	Stacktrace           string            `json:"stacktrace"`
	Timestamp            int64             `json:"timestamp"`
	TaskName             string            `json:"taskName"`
	Endpoint             string            `json:"endpoint"`
	Location             string            `json:"location"`
	TaskManagerID        string            `json:"taskManagerId"`
	FailureLabels        map[string]string `json:"failureLabels"`
	ConcurrentExceptions []ExceptionEntry  `json:"concurrentExceptions"`
}

// RootCause returns the most recent failure, condensed to its head and innermost cause,
// and its timestamp (ms); "" if the job never failed.
func (e *JobExceptions) RootCause() (string, int64) {
	if len(e.ExceptionHistory.Entries) > 0 {
		en := e.ExceptionHistory.Entries[0]
		return condenseTrace(en.Stacktrace), en.Timestamp
	}
	if e.RootException != "" {
		return condenseTrace(e.RootException), e.Timestamp
	}
	return "", 0
}

// Metric is one value from a /metrics endpoint; Value is Flink's string rendering.
type Metric struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// ListJobs returns GET /jobs/overview.
func (c *Client) ListJobs(ctx context.Context) ([]JobOverview, error) {
	var out struct {
		Jobs []JobOverview `json:"jobs"`
	}
	if err := c.get(ctx, "/jobs/overview", nil, &out); err != nil {
		return nil, err
	}
	return out.Jobs, nil
}

// Job returns GET /jobs/:id.
func (c *Client) Job(ctx context.Context, jobID string) (*JobDetails, error) {
	p, err := jobPath(jobID)
	if err != nil {
		return nil, err
	}
	var out JobDetails
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobExceptions returns GET /jobs/:id/exceptions (maxExceptions > 0 limits the history).
func (c *Client) JobExceptions(ctx context.Context, jobID string, maxExceptions int) (*JobExceptions, error) {
	p, err := jobPath(jobID, "exceptions")
	if err != nil {
		return nil, err
	}
	var q url.Values
	if maxExceptions > 0 {
		q = url.Values{"maxExceptions": {fmt.Sprint(maxExceptions)}}
	}
	var out JobExceptions
	if err := c.get(ctx, p, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobMetrics returns GET /jobs/:id/metrics?get=names. With no names Flink lists the
// available metric ids (values empty). Unknown names are silently omitted by Flink.
func (c *Client) JobMetrics(ctx context.Context, jobID string, names ...string) (map[string]string, error) {
	p, err := jobPath(jobID, "metrics")
	if err != nil {
		return nil, err
	}
	var q url.Values
	if len(names) > 0 {
		q = url.Values{"get": {strings.Join(names, ",")}}
	}
	var raw json.RawMessage
	if err := c.get(ctx, p, q, &raw); err != nil {
		return nil, err
	}
	ms, err := decodeMetrics(raw)
	if err != nil {
		return nil, fmt.Errorf("flink rest GET %s: %w", p, err)
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		out[m.ID] = m.Value
	}
	return out, nil
}

// decodeMetrics accepts the bare array Flink sends and the {"metrics": [...]} object its
// OpenAPI spec describes.
func decodeMetrics(raw json.RawMessage) ([]Metric, error) {
	var arr []Metric
	if err := json.Unmarshal(raw, &arr); err == nil {
		return arr, nil
	}
	var obj struct {
		Metrics []Metric `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decoding metrics: %w", err)
	}
	return obj.Metrics, nil
}

// CancelJob sends PATCH /jobs/:id?mode=cancel and returns once Flink accepted it; the job
// reaches CANCELED asynchronously. Repeating it is harmless, so it is retried.
func (c *Client) CancelJob(ctx context.Context, jobID string) error {
	p, err := jobPath(jobID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodPatch, path: p, query: url.Values{"mode": {"cancel"}}, idempotent: true}, nil)
}
