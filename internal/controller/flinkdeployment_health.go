package controller

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/lifecycle"
)

const healthKey = lifecycle.HealthSamplesKey

// sampleHealth reads the counters the health check judges: restarts and completed
// checkpoints. It returns nil when the job cannot be asked.
func sampleHealth(ctx context.Context, obs observed, now time.Time) *lifecycle.HealthSample {
	if !obs.jobRunning() {
		return nil
	}
	s := &lifecycle.HealthSample{Time: now}
	m, err := obs.flink.JobMetrics(ctx, obs.job.ID, "numRestarts")
	if err != nil {
		return nil
	}
	s.NumRestarts, _ = strconv.ParseInt(m["numRestarts"], 10, 64)
	cp, err := obs.flink.Checkpoints(ctx, obs.job.ID)
	if err != nil {
		return nil
	}
	s.CompletedCheckpoints = cp.Counts.Completed
	return s
}

func healthSamples(st *v1beta1.FlinkDeploymentStatus) []lifecycle.HealthSample {
	return lifecycle.ReadHealthSamples(st.ClusterInfo)
}

// recordHealth appends a sample to the history in status, pruned to what the windows need.
func recordHealth(st *v1beta1.FlinkDeploymentStatus, s *lifecycle.HealthSample, o lifecycle.Options) {
	if s == nil {
		return
	}
	samples := lifecycle.PruneHealthSamples(append(healthSamples(st), *s), s.Time, o)
	b, err := json.Marshal(samples)
	if err != nil {
		return
	}
	if st.ClusterInfo == nil {
		st.ClusterInfo = map[string]string{}
	}
	st.ClusterInfo[healthKey] = string(b)
}
