package rest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// RescaleJob sets the parallelism of every vertex of a running job in place (adaptive
// scheduler only): the vertex ids come from GET /jobs/:id, each vertex gets the upper bound
// overrides[vertexID] if set (pipeline.jobvertex-parallelism-overrides) and parallelism
// otherwise, lower bound 1. It PUTs the whole set, so repeating it is harmless. Flink
// rescales asynchronously; the returned requirements are what was sent.
func RescaleJob(ctx context.Context, api API, jobID string, parallelism int, overrides map[string]int) (ResourceRequirements, error) {
	if parallelism < 1 {
		return nil, fmt.Errorf("parallelism %d: must be at least 1", parallelism)
	}
	job, err := api.Job(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if len(job.Vertices) == 0 {
		return nil, fmt.Errorf("job %s reports no vertices", jobID)
	}
	req := make(ResourceRequirements, len(job.Vertices))
	for _, v := range job.Vertices {
		upper := parallelism
		if o, ok := overrides[v.ID]; ok {
			upper = o
		}
		req[v.ID] = VertexResources{Parallelism: ParallelismBounds{LowerBound: 1, UpperBound: upper}}
	}
	if err := api.SetJobResourceRequirements(ctx, jobID, req); err != nil {
		return nil, err
	}
	return req, nil
}

// ParseParallelismOverrides reads pipeline.jobvertex-parallelism-overrides, Flink's map
// syntax "vertexId:parallelism,vertexId:parallelism" ("" is no overrides).
func ParseParallelismOverrides(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, ":")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil || n < 1 || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("parallelism override %q: want vertexId:parallelism (parallelism >= 1)", kv)
		}
		out[strings.TrimSpace(k)] = n
	}
	return out, nil
}
