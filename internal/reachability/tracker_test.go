package reachability

import (
	"testing"
	"time"
)

func TestDelayDoublesUpToTheCap(t *testing.T) {
	p := Policy{Initial: 5 * time.Second, Max: time.Minute}
	for _, c := range []struct {
		n    int
		want time.Duration
	}{
		{0, 0}, {1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second},
		{4, 40 * time.Second}, {5, time.Minute}, {6, time.Minute}, {1000, time.Minute},
	} {
		if got := p.Delay(c.n); got != c.want {
			t.Errorf("Delay(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestNewAppIsProbedBeforeItIsCalledInline(t *testing.T) {
	tr := New(Policy{})
	now := time.Unix(0, 0)
	if d := tr.Decide("ns/a", now); d != Probe {
		t.Fatalf("got %v, want probe", d)
	}
	if d := tr.Decide("ns/a", now); d != Wait {
		t.Fatalf("while the first probe runs: %v, want wait", d)
	}
	tr.Succeeded("ns/a")
	if d := tr.Decide("ns/a", now); d != Call {
		t.Fatalf("after an answer: %v, want call", d)
	}
}

func TestFailedAppWaitsThenOneProbeAtATime(t *testing.T) {
	tr := New(Policy{Initial: 5 * time.Second, Max: time.Minute})
	t0 := time.Unix(1000, 0)
	if d := tr.Failed("ns/a", t0); d != 5*time.Second {
		t.Fatalf("first delay %v", d)
	}
	if d := tr.Decide("ns/a", t0.Add(4*time.Second)); d != Wait {
		t.Fatalf("before the backoff ran out: %v, want wait", d)
	}
	if d := tr.Decide("ns/a", t0.Add(5*time.Second)); d != Probe {
		t.Fatalf("when due: %v, want probe", d)
	}
	if d := tr.Decide("ns/a", t0.Add(6*time.Second)); d != Wait {
		t.Fatalf("while the probe runs: %v, want wait", d)
	}
	// The probe fails: the next wait doubles, counted from the failure.
	t1 := t0.Add(8 * time.Second)
	if d := tr.Failed("ns/a", t1); d != 10*time.Second {
		t.Fatalf("second delay %v", d)
	}
	if d := tr.Decide("ns/a", t1.Add(9*time.Second)); d != Wait {
		t.Fatalf("got %v, want wait", d)
	}
	if d := tr.Decide("ns/a", t1.Add(10*time.Second)); d != Probe {
		t.Fatalf("got %v, want probe", d)
	}
	tr.Succeeded("ns/a")
	if d := tr.Decide("ns/a", t1.Add(10*time.Second)); d != Call {
		t.Fatalf("after success: %v, want call", d)
	}
	// After a success the backoff starts over.
	if d := tr.Failed("ns/a", t1); d != 5*time.Second {
		t.Fatalf("delay after recovery %v", d)
	}
}

func TestBackoffIsPerApp(t *testing.T) {
	tr := New(Policy{})
	now := time.Unix(1000, 0)
	for i := 0; i < 10; i++ {
		tr.Failed("ns/dead", now)
	}
	tr.Succeeded("ns/alive")
	if d := tr.Decide("ns/alive", now); d != Call {
		t.Fatalf("another app: %v, want call", d)
	}
	if d := tr.Decide("ns/dead", now.Add(59*time.Second)); d != Wait {
		t.Fatalf("capped backoff not honoured: %v", d)
	}
	if d := tr.Decide("ns/dead", now.Add(time.Minute)); d != Probe {
		t.Fatalf("capped backoff too long: %v", d)
	}
}

func TestStatsAndForget(t *testing.T) {
	tr := New(Policy{})
	now := time.Unix(1000, 0)
	tr.Observed("ns/a", now.Add(-10*time.Second))
	tr.Observed("ns/b", now.Add(-30*time.Second))
	tr.Observed("ns/c", now.Add(-20*time.Second))
	tr.Failed("ns/b", now)
	s := tr.Stats(now)
	if s.Apps != 3 || s.Unreachable != 1 {
		t.Fatalf("stats %+v", s)
	}
	if q := Quantile(s.Ages, 0.5); q != 20*time.Second {
		t.Errorf("p50 %v", q)
	}
	if q := Quantile(s.Ages, 1); q != 30*time.Second {
		t.Errorf("max %v", q)
	}
	tr.Forget("ns/b")
	if s := tr.Stats(now); s.Apps != 2 || s.Unreachable != 0 {
		t.Fatalf("after forget %+v", s)
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("empty quantile")
	}
}
