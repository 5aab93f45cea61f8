package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Poll says how a test waits for a condition. Limit is a safety net against a hung test,
// never a performance assertion: a slow machine may take longer, and the figure that
// matters belongs in a benchmark.
type Poll struct {
	Limit    time.Duration   // give up after this long (default one minute)
	Interval time.Duration   // between checks (default 200 ms)
	Ctx      context.Context // also give up when it ends (optional)
	Diagnose func() string   // what to add to the failure: logs, object dumps (optional)
}

// Eventually polls check until it returns nil, and fails t with the last error and the
// diagnosis when the wait ends first. It is the one wait loop of weir's tests.
func Eventually(t testing.TB, what string, p Poll, check func() error) {
	t.Helper()
	if err := p.Wait(check); err != nil {
		extra := ""
		if p.Diagnose != nil {
			extra = "\n" + p.Diagnose()
		}
		t.Fatalf("gave up waiting for %s: %v%s", what, err, extra)
	}
}

// Wait polls check until it returns nil (then nil), or returns check's last error when
// the limit or the context ends first; for waits whose end is not a failure.
func (p Poll) Wait(check func() error) error {
	limit, every := p.Limit, p.Interval
	if limit <= 0 {
		limit = time.Minute
	}
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	ctx := p.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-deadline.C:
			return fmt.Errorf("after %s: %w", limit, err)
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}
