package reachability

import (
	"sort"
	"sync"
	"time"
)

// Decision says how a reconcile may talk to an app's JobManager right now.
type Decision int

const (
	// Call: the JobManager answered last time: ask it inline, with short timeouts.
	Call Decision = iota
	// Probe: it never answered yet, or it is down and its backoff has run out: ask it once
	// in the background and treat it as unreachable for this reconcile. The caller owns
	// the probe and must report its outcome with Failed or Succeeded. A JobManager thus
	// proves it answers before a reconcile worker waits on it.
	Probe
	// Wait: it is known down and not due yet, or a probe is under way: treat it as
	// unreachable without asking.
	Wait
)

func (d Decision) String() string {
	switch d {
	case Call:
		return "call"
	case Probe:
		return "probe"
	default:
		return "wait"
	}
}

// Policy is the backoff after consecutive failures: Initial, doubled each time, capped at Max.
type Policy struct {
	Initial time.Duration
	Max     time.Duration
}

// DefaultPolicy re-tries a dead JobManager after 5 s, 10 s, 20 s, 40 s, then every minute.
var DefaultPolicy = Policy{Initial: 5 * time.Second, Max: time.Minute}

// Delay returns the wait after the n-th consecutive failure (n >= 1).
func (p Policy) Delay(n int) time.Duration {
	if n < 1 || p.Initial <= 0 {
		return 0
	}
	d := p.Initial
	for i := 1; i < n; i++ {
		if p.Max > 0 && d >= p.Max {
			break
		}
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	return d
}

// Tracker holds the per-app state. It is safe for concurrent use; keys are the apps'
// namespace/name.
type Tracker struct {
	policy Policy
	mu     sync.Mutex
	apps   map[string]*entry
}

type entry struct {
	answered bool      // the JobManager answered at least once
	failures int       // consecutive failed attempts
	next     time.Time // earliest next attempt while failures > 0
	probing  bool      // a background probe is under way
	observed time.Time // end of the last observation
}

// New returns a Tracker with policy p (zero fields take DefaultPolicy's).
func New(p Policy) *Tracker {
	if p.Initial <= 0 {
		p.Initial = DefaultPolicy.Initial
	}
	if p.Max <= 0 {
		p.Max = DefaultPolicy.Max
	}
	return &Tracker{policy: p, apps: map[string]*entry{}}
}

func (t *Tracker) get(key string) *entry {
	e := t.apps[key]
	if e == nil {
		e = &entry{}
		t.apps[key] = e
	}
	return e
}

// Decide says how the app's JobManager may be asked at now. A Probe decision marks the
// probe as under way, so that concurrent reconciles of the app do not start a second one.
func (t *Tracker) Decide(key string, now time.Time) Decision {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(key)
	switch {
	case e.failures == 0 && e.answered:
		return Call
	case e.probing || now.Before(e.next):
		return Wait
	default:
		e.probing = true
		return Probe
	}
}

// Failed records a failed attempt at now and returns how long until the next one.
func (t *Tracker) Failed(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(key)
	e.failures++
	e.probing = false
	d := t.policy.Delay(e.failures)
	e.next = now.Add(d)
	return d
}

// Succeeded records that the JobManager answered: the next reconcile asks it inline.
func (t *Tracker) Succeeded(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(key)
	e.answered, e.failures, e.probing, e.next = true, 0, false, time.Time{}
}

// Observed records that the app was observed at now.
func (t *Tracker) Observed(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(key).observed = now
}

// Forget drops an app that is gone.
func (t *Tracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.apps, key)
}

// Stats summarises all apps at now.
type Stats struct {
	Apps        int             // apps observed at least once
	Unreachable int             // apps whose JobManager is backing off
	Ages        []time.Duration // time since each app's last observation, ascending
}

// Stats returns the observation ages and the number of unreachable JobManagers.
func (t *Tracker) Stats(now time.Time) Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	var s Stats
	for _, e := range t.apps {
		if e.failures > 0 {
			s.Unreachable++
		}
		if !e.observed.IsZero() {
			s.Ages = append(s.Ages, now.Sub(e.observed))
		}
	}
	s.Apps = len(s.Ages)
	sort.Slice(s.Ages, func(i, j int) bool { return s.Ages[i] < s.Ages[j] })
	return s
}

// Quantile returns the q-quantile (0..1) of ascending ages by the nearest-rank method;
// zero when there are none.
func Quantile(ages []time.Duration, q float64) time.Duration {
	if len(ages) == 0 {
		return 0
	}
	i := int(q*float64(len(ages))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(ages) {
		i = len(ages) - 1
	}
	return ages[i]
}
