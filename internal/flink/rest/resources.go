package rest

import (
	"context"
	"net/http"
)

// ParallelismBounds is the allowed parallelism range of one vertex.
type ParallelismBounds struct {
	LowerBound int `json:"lowerBound"`
	UpperBound int `json:"upperBound"`
}

// VertexResources is the requirement of one job vertex.
type VertexResources struct {
	Parallelism ParallelismBounds `json:"parallelism"`
}

// ResourceRequirements maps job vertex id to its requirements. Changing them rescales a
// running job in place; only the adaptive scheduler honours it (jobmanager.scheduler: adaptive).
type ResourceRequirements map[string]VertexResources

// JobResourceRequirements returns GET /jobs/:id/resource-requirements.
func (c *Client) JobResourceRequirements(ctx context.Context, jobID string) (ResourceRequirements, error) {
	p, err := jobPath(jobID, "resource-requirements")
	if err != nil {
		return nil, err
	}
	out := ResourceRequirements{}
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SetJobResourceRequirements replaces a job's requirements (PUT, idempotent). Flink
// validates them (every vertex present, 1 <= lower <= upper <= max parallelism) and
// rescales asynchronously.
func (c *Client) SetJobResourceRequirements(ctx context.Context, jobID string, req ResourceRequirements) error {
	p, err := jobPath(jobID, "resource-requirements")
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodPut, path: p, body: req, idempotent: true}, nil)
}
