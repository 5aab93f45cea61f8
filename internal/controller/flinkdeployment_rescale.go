package controller

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
)

// rescaleInPlace sets the running job's per-vertex parallelism through
// /jobs/:id/resource-requirements (native mode, adaptive scheduler, Flink 1.18+): the
// JobManager stays, the job keeps its id and rescales from its own state. The PUT carries
// the whole requirement set, so repeating it is harmless.
func rescaleInPlace(ctx context.Context, spec *v1beta1.FlinkDeploymentSpec, obs observed) (rest.ResourceRequirements, error) {
	if !obs.jobRunning() {
		return nil, errors.New("in-place rescale: the job is not running; retrying")
	}
	conf, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return nil, err
	}
	overrides, err := rest.ParseParallelismOverrides(conf["pipeline.jobvertex-parallelism-overrides"])
	if err != nil {
		return nil, err
	}
	p := int(spec.Job.Parallelism)
	if p == 0 { // the cluster default, as at submission
		p = 1
		if d, err := strconv.Atoi(conf["parallelism.default"]); err == nil && d > 0 {
			p = d
		}
	}
	req, err := rest.RescaleJob(ctx, obs.flink, obs.job.ID, p, overrides)
	if err != nil {
		return nil, fmt.Errorf("in-place rescale of job %s: %w", obs.job.ID, err)
	}
	return req, nil
}
