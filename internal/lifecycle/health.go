package lifecycle

import (
	"encoding/json"
	"fmt"
	"time"
)

// HealthSamplesKey is where the recent health samples live: in status.clusterInfo, a
// free-form map FKO tools ignore, so the CRD stays FKO's and the samples survive operator
// restarts. The operator writes them; `weir app list` reads the restart count.
const HealthSamplesKey = "weir.dev/health-samples"

// ReadHealthSamples decodes the samples of a status.clusterInfo, oldest first.
func ReadHealthSamples(clusterInfo map[string]string) []HealthSample {
	var out []HealthSample
	if raw := clusterInfo[HealthSamplesKey]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &out) // a garbled history only restarts the window
	}
	return out
}

// HealthSample is one observation of a running job's counters.
type HealthSample struct {
	Time                 time.Time
	NumRestarts          int64
	CompletedCheckpoints int64
}

// Health is the verdict on a job's recent history.
type Health struct {
	Unhealthy bool
	Reason    string
}

// EvaluateHealth judges a job by its samples (oldest first, the last one current), as
// FKO's cluster health check does: too many restarts within the restarts window, or no
// completed checkpoint within the progress window while checkpointing is on. Without a
// sample old enough to cover a window, that check does not judge.
func EvaluateHealth(samples []HealthSample, checkpointing bool, now time.Time, o Options) Health {
	if !o.HealthCheckEnabled || len(samples) < 2 {
		return Health{}
	}
	latest := samples[len(samples)-1]
	if base, ok := sampleAt(samples, now.Add(-o.RestartsWindow)); ok {
		if d := latest.NumRestarts - base.NumRestarts; d > o.RestartsThreshold {
			return Health{Unhealthy: true, Reason: fmt.Sprintf("%d restarts within %s exceed the threshold of %d", d, o.RestartsWindow, o.RestartsThreshold)}
		}
	}
	if checkpointing && o.CheckpointProgressEnabled {
		if base, ok := sampleAt(samples, now.Add(-o.CheckpointProgressWindow)); ok && latest.CompletedCheckpoints <= base.CompletedCheckpoints {
			return Health{Unhealthy: true, Reason: fmt.Sprintf("no checkpoint completed within %s", o.CheckpointProgressWindow)}
		}
	}
	return Health{}
}

// HealthSampleDue says whether a new sample is due at now: the first one, or one at least
// a quarter of the shorter window (and at least floor) after the newest. Each sample is a
// status write, and a status write wakes the resource again: sampling in every loop would
// make a loop that never rests. Sparse samples still judge: a window is measured from the
// newest sample at or before its start.
func HealthSampleDue(samples []HealthSample, now time.Time, floor time.Duration, o Options) bool {
	if len(samples) == 0 {
		return true
	}
	w := o.RestartsWindow
	if o.CheckpointProgressEnabled && o.CheckpointProgressWindow > 0 && (w <= 0 || o.CheckpointProgressWindow < w) {
		w = o.CheckpointProgressWindow
	}
	return !now.Before(samples[len(samples)-1].Time.Add(max(w/4, floor)))
}

// sampleAt returns the newest sample taken at or before t.
func sampleAt(samples []HealthSample, t time.Time) (HealthSample, bool) {
	var found HealthSample
	ok := false
	for _, s := range samples {
		if s.Time.After(t) {
			break
		}
		found, ok = s, true
	}
	return found, ok
}

// PruneHealthSamples keeps what the longest window needs (plus one older sample to anchor
// it), so the history kept in status stays small.
func PruneHealthSamples(samples []HealthSample, now time.Time, o Options) []HealthSample {
	cut := now.Add(-max(o.RestartsWindow, o.CheckpointProgressWindow))
	first := 0
	for i, s := range samples {
		if !s.Time.After(cut) {
			first = i
		}
	}
	return samples[first:]
}
