package lifecycle

import (
	"strings"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

func TestParseFlinkDuration(t *testing.T) {
	good := map[string]time.Duration{
		"5 min": 5 * time.Minute, "30s": 30 * time.Second, "1h": time.Hour, "2 d": 48 * time.Hour,
		"600000": 10 * time.Minute, "250 ms": 250 * time.Millisecond, "3 minutes": 3 * time.Minute, "0": 0,
	}
	for in, want := range good {
		if got, err := ParseFlinkDuration(in); err != nil || got != want {
			t.Errorf("ParseFlinkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "min", "5 fortnights", "-1s", "1.5h"} {
		if _, err := ParseFlinkDuration(in); err == nil {
			t.Errorf("ParseFlinkDuration(%q) accepted", in)
		}
	}
}

func TestOptionsWithConfig(t *testing.T) {
	o, err := DefaultOptions().WithConfig(map[string]string{
		OptRollbackEnabled:   "true",
		OptReadinessTimeout:  "90 s",
		OptPeriodicSavepoint: "1h",
		OptRestartsThreshold: "3",
		OptSavepointFormat:   "native",
		OptHistoryMaxCount:   "3",
		OptHistoryMaxAge:     "2 h",
		OptSavepointCleanup:  "false",
		"unrelated.key":      "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.RollbackEnabled || o.ReadinessTimeout != 90*time.Second || o.PeriodicSavepoint.Every != time.Hour ||
		o.RestartsThreshold != 3 || o.SavepointFormat != v1beta1.SavepointFormatNative || !o.LastStateFallback ||
		o.History != (HistoryLimits{MaxCount: 3, MaxAge: 2 * time.Hour, Dispose: false}) {
		t.Errorf("options %+v", o)
	}
	d := DefaultOptions()
	if d.SavepointOnDeletion || d.SnapshotResources || d.SnapshotDisposeOnDelete {
		t.Errorf("deletion/snapshot switches on by default: %+v", d)
	}
	o, err = d.WithConfig(map[string]string{OptSavepointOnDeletion: "true", OptSnapshotResources: "true", OptSavepointDisposeOnDelete: "TRUE"})
	if err != nil || !o.SavepointOnDeletion || !o.SnapshotResources || !o.SnapshotDisposeOnDelete {
		t.Errorf("deletion/snapshot switches: %+v, %v", o, err)
	}
	for k, v := range map[string]string{OptSnapshotResources: "on", OptRollbackEnabled: "yes please", OptReadinessTimeout: "soon", OptRestartsThreshold: "-2", OptSavepointFormat: "ZIP", OptHistoryMaxCount: "0"} {
		if _, err := DefaultOptions().WithConfig(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: want an error naming the key, got %v", k, v, err)
		}
	}
}

func TestEvaluateHealth(t *testing.T) {
	o := DefaultOptions()
	o.HealthCheckEnabled = true
	o.RestartsThreshold = 2
	now := t0.Add(10 * time.Minute)
	at := func(ago time.Duration, restarts, cps int64) HealthSample {
		return HealthSample{Time: now.Add(-ago), NumRestarts: restarts, CompletedCheckpoints: cps}
	}
	cases := []struct {
		name          string
		samples       []HealthSample
		checkpointing bool
		unhealthy     bool
		reason        string
	}{
		{"steady", []HealthSample{at(6*time.Minute, 0, 1), at(3*time.Minute, 0, 5), at(0, 0, 9)}, true, false, ""},
		{"restart storm", []HealthSample{at(3*time.Minute, 1, 1), at(time.Minute, 2, 5), at(0, 5, 9)}, true, true, "restarts within"},
		{"restarts older than the window do not count", []HealthSample{at(8*time.Minute, 0, 1), at(3*time.Minute, 10, 5), at(0, 11, 9)}, true, false, ""},
		{"no checkpoint progress", []HealthSample{at(6*time.Minute, 0, 4), at(0, 0, 4)}, true, true, "no checkpoint completed"},
		{"no checkpointing configured", []HealthSample{at(6*time.Minute, 0, 4), at(0, 0, 4)}, false, false, ""},
		{"history too short to judge progress", []HealthSample{at(time.Minute, 0, 4), at(0, 0, 4)}, true, false, ""},
		{"one sample", []HealthSample{at(0, 100, 0)}, true, false, ""},
	}
	for _, tc := range cases {
		h := EvaluateHealth(tc.samples, tc.checkpointing, now, o)
		if h.Unhealthy != tc.unhealthy || !strings.Contains(h.Reason, tc.reason) {
			t.Errorf("%s: got %+v", tc.name, h)
		}
	}
	off := o
	off.HealthCheckEnabled = false
	if h := EvaluateHealth(cases[1].samples, true, now, off); h.Unhealthy {
		t.Error("health check disabled but judged unhealthy")
	}
}

func TestPruneHealthSamplesKeepsAnAnchor(t *testing.T) {
	o := DefaultOptions() // windows 2 and 5 minutes
	now := t0.Add(time.Hour)
	var s []HealthSample
	for m := 10; m >= 0; m-- {
		s = append(s, HealthSample{Time: now.Add(-time.Duration(m) * time.Minute)})
	}
	p := PruneHealthSamples(s, now, o)
	if len(p) != 6 || !p[0].Time.Equal(now.Add(-5*time.Minute)) {
		t.Fatalf("kept %d samples from %v", len(p), p[0].Time)
	}
}

func TestHealthSampleDue(t *testing.T) {
	o := DefaultOptions() // restarts window 2 minutes: a sample every 30 s
	o.HealthCheckEnabled = true
	last := []HealthSample{{Time: t0}}
	short := o
	short.RestartsWindow = 2 * time.Second // a quarter is below the floor
	progress := o
	progress.CheckpointProgressEnabled, progress.CheckpointProgressWindow = true, 40*time.Second
	for _, c := range []struct {
		name    string
		samples []HealthSample
		now     time.Time
		o       Options
		want    bool
	}{
		{"first sample", nil, t0, o, true},
		{"the next loop", last, t0.Add(100 * time.Millisecond), o, false},
		{"within a quarter of the window", last, t0.Add(29 * time.Second), o, false},
		{"a quarter of the window later", last, t0.Add(30 * time.Second), o, true},
		{"a short window waits for the floor", last, t0.Add(4 * time.Second), short, false},
		{"the floor passed", last, t0.Add(5 * time.Second), short, true},
		{"the shorter progress window", last, t0.Add(10 * time.Second), progress, true},
	} {
		if got := HealthSampleDue(c.samples, c.now, 5*time.Second, c.o); got != c.want {
			t.Errorf("%s: due = %v, want %v", c.name, got, c.want)
		}
	}
}
