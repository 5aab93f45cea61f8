package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/app"
)

// waitAfter waits, when --wait is set, until the app reaches t (or until says so), for
// FlinkDeployments and FlinkSessionJobs alike. What it waits for and its progress, with
// the elapsed time, go to stderr, so that stdout keeps only the verb's result.
func waitAfter(cmd *cobra.Command, f *appFlags, c *app.Clients, name string, t app.Target, what string, until func(app.App) bool) error {
	if !f.wait {
		return nil
	}
	errOut := cmd.ErrOrStderr()
	fmt.Fprintf(errOut, "waiting up to %s for %s/%s: %s; Ctrl-C stops the wait, not the change\n", f.timeout, f.namespace, name, what)
	_, err := c.WaitApp(cmd.Context(), f.key(name), t, app.WaitOptions{Timeout: f.timeout, Out: errOut, Until: until})
	if errors.Is(err, app.ErrTimeout) {
		return fmt.Errorf("%w\nThe operator may still get there: `weir app wait %s -n %s --for %s` waits again (--timeout for longer), `weir app describe %s -n %s` shows its status and Events",
			err, name, f.namespace, waitTarget(t), name, f.namespace)
	}
	return err
}

// waitTarget is the --for of `weir app wait` closest to t (a verb's own wait, such as a
// new savepoint, has none: STABLE then).
func waitTarget(t app.Target) app.Target {
	if _, err := app.ParseTarget(string(t)); err != nil {
		return app.TargetStable
	}
	return t
}

func addWaitFlags(cmd *cobra.Command, f *appFlags) {
	cmd.Flags().BoolVar(&f.wait, "wait", true, "wait for the outcome, printing progress on stderr")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait")
}

func appWaitCmd(f *appFlags) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "wait <name>",
		Short: "Wait until an app is RUNNING, STABLE, SUSPENDED or READY, printing progress on stderr; on timeout print why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := app.ParseTarget(target)
			if err != nil {
				return err
			}
			c, err := f.clients()
			if err != nil {
				return err
			}
			f.wait = true
			return waitAfter(cmd, f, c, args[0], t, string(t), nil)
		},
	}
	cmd.Flags().StringVar(&target, "for", "RUNNING", "RUNNING (job), STABLE or SUSPENDED (lifecycle), READY (JobManager; a session job's session cluster)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait")
	return cmd
}
