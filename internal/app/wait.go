package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	Timeout time.Duration
	// Out receives one line each time the summary changes, with the elapsed time.
	Out io.Writer
	// Interval between polls; one second when zero.
	Interval time.Duration
	// Until, when set, replaces the Target check (for example: a new savepoint appeared).
	Until func(*v1beta1.FlinkDeployment) bool
}

// ErrTimeout marks a wait that ran out of time; the returned error carries diagnostics.
var ErrTimeout = errors.New("timed out")

// Wait polls the FlinkDeployment until it reaches t, printing lifecycle, job state and
// JobManager status as they change. On timeout it returns an error that explains why:
// status.error, recent events and the JobManager's last log lines.
func (c *Clients) Wait(ctx context.Context, key types.NamespacedName, t Target, o WaitOptions) (*v1beta1.FlinkDeployment, error) {
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	until := o.Until
	if until == nil {
		until = func(d *v1beta1.FlinkDeployment) bool { return Reached(d, t) }
	}
	start := time.Now()
	deadline := start.Add(o.Timeout)
	last := ""
	for {
		d := &v1beta1.FlinkDeployment{}
		err := c.Ctrl.Get(ctx, key, d)
		switch {
		case apierrors.IsNotFound(err):
			if line := "not found"; line != last {
				fmt.Fprintf(o.Out, "  [%6.1fs] %s: %s\n", time.Since(start).Seconds(), key.Name, line)
				last = line
			}
		case err != nil:
			if line := "get failed: " + err.Error(); line != last {
				fmt.Fprintf(o.Out, "  [%6.1fs] %s: %s\n", time.Since(start).Seconds(), key.Name, line)
				last = line
			}
		default:
			if line := Summarize(d).Progress(); line != last {
				fmt.Fprintf(o.Out, "  [%6.1fs] %s: %s\n", time.Since(start).Seconds(), key.Name, line)
				last = line
			}
			if until(d) {
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			diag := c.Diagnose(ctx, key, 40)
			return d, fmt.Errorf("%w after %s waiting for %s/%s to reach %s (last: %s)\n%s", ErrTimeout, o.Timeout, key.Namespace, key.Name, t, last, diag)
		}
		select {
		case <-ctx.Done():
			return d, ctx.Err()
		case <-time.After(o.Interval):
		}
	}
}
