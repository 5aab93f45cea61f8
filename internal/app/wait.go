package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	Timeout time.Duration
	// Out receives one line each time the summary changes, and again every Heartbeat while
	// it does not, each with the elapsed time.
	Out io.Writer
	// Interval between polls; one second when zero.
	Interval time.Duration
	// Heartbeat is how long an unchanged summary goes unprinted; 30 s when zero.
	Heartbeat time.Duration
	// Until, when set, replaces the Target check (for example: a new savepoint appeared).
	Until func(App) bool
}

// ErrTimeout marks a wait that ran out of time; the returned error carries diagnostics.
var ErrTimeout = errors.New("timed out")

// Wait is WaitApp for a FlinkDeployment; it returns nil when the deployment was never read.
func (c *Clients) Wait(ctx context.Context, key types.NamespacedName, t Target, o WaitOptions) (*v1beta1.FlinkDeployment, error) {
	a, err := c.WaitApp(ctx, key, t, o)
	d, _ := a.Obj.(*v1beta1.FlinkDeployment)
	return d, err
}

// WaitApp polls the app (a FlinkDeployment or a FlinkSessionJob) until it reaches t,
// printing lifecycle, job state and JobManager status as they change. On timeout it
// returns an error that explains why: status.error, recent events and the JobManager's
// last log lines. The App is the last one read (its Obj nil if none was).
func (c *Clients) WaitApp(ctx context.Context, key types.NamespacedName, t Target, o WaitOptions) (App, error) {
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 30 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	until := o.Until
	if until == nil {
		until = func(a App) bool { return ReachedApp(a, t) }
	}
	start := time.Now()
	deadline := start.Add(o.Timeout)
	var last App
	lastLine, printed := "", time.Time{}
	for {
		a, err := c.Find(ctx, key)
		line := ""
		if err != nil {
			line = err.Error()
		} else {
			last = a
			line = SummarizeApp(a).Progress()
		}
		if line != lastLine || time.Since(printed) >= o.Heartbeat {
			fmt.Fprintf(o.Out, "  [%6.1fs] %s: %s\n", time.Since(start).Seconds(), key.Name, line)
			lastLine, printed = line, time.Now()
		}
		if err == nil && until(a) {
			return a, nil
		}
		if time.Now().After(deadline) {
			diag := c.diagnoseApp(ctx, key, last, 40)
			return last, fmt.Errorf("%w after %s waiting for %s/%s to reach %s (last: %s)\n%s", ErrTimeout, o.Timeout, key.Namespace, key.Name, t, lastLine, diag)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(o.Interval):
		}
	}
}
