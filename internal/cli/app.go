package cli

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
)

// appFlags are shared by every `weir app` verb.
type appFlags struct {
	kubeconfig string
	namespace  string
	output     string
	timeout    time.Duration
	wait       bool
	force      bool
}

func (f *appFlags) clients() (*app.Clients, error) {
	if err := app.CheckOutput(f.output); err != nil {
		return nil, err
	}
	c, err := app.NewClients(f.kubeconfig)
	if err != nil {
		return nil, err
	}
	c.Force = f.force
	return c, nil
}

func (f *appFlags) key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: f.namespace, Name: name}
}

// newAppCmd groups the lifecycle verbs on FlinkDeployments.
func newAppCmd() *cobra.Command {
	f := &appFlags{}
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Look at and drive FlinkDeployments and FlinkSessionJobs: list, describe, rollback, scale, savepoints, logs, ui, ...",
		Long: "Look at and drive FlinkDeployments and FlinkSessionJobs. Verbs that edit a spec refuse an app\n" +
			"that ArgoCD manages (its self-heal would revert the edit) unless --force: change git instead.",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.kubeconfig, "kubeconfig", app.DefaultKubeconfig(), "kubeconfig (default: the local cluster's, else KUBECONFIG)")
	pf.StringVarP(&f.namespace, "namespace", "n", "default", "namespace of the app (list shows every namespace unless -n is given)")
	pf.StringVarP(&f.output, "output", "o", "", "json or yaml for list, status, describe, savepoints and snapshots list (default: a table)")
	cmd.AddCommand(appStatusCmd(f), appWaitCmd(f), appSuspendCmd(f), appResumeCmd(f), appSavepointCmd(f),
		appRestartCmd(f), appSetImageCmd(f), appUICmd(f), appLogsCmd(f),
		appListCmd(f), appDescribeCmd(f), appApplyCmd(f), appRollbackCmd(f), appScaleCmd(f), appCheckpointCmd(f),
		appSavepointsCmd(f), appSnapshotsCmd(f))
	for _, sub := range cmd.Commands() {
		if sub.ValidArgsFunction == nil && strings.Contains(sub.Use, "name") {
			sub.ValidArgsFunction = completeApps(f)
		}
	}
	withNextSteps(cmd)
	return cmd
}

// withNextSteps makes every verb under cmd end an API server error with what to do about
// it (app.NextStep).
func withNextSteps(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error { return app.NextStep(run(c, args)) }
	}
	for _, sub := range cmd.Commands() {
		withNextSteps(sub)
	}
}

// addForce adds --force to a verb that edits a spec (see app.GuardGitOps).
func addForce(cmd *cobra.Command, f *appFlags) {
	cmd.Flags().BoolVar(&f.force, "force", false, "edit the spec even when ArgoCD manages the app (its self-heal may revert the edit)")
}

func appStatusCmd(f *appFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "status [name]",
		Short: "Lifecycle, job state, job id, JobManager status, last savepoint and error (every app of the namespace without a name)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			var apps []app.App
			if len(args) == 1 {
				a, err := c.Find(cmd.Context(), f.key(args[0]))
				if err != nil {
					return err
				}
				apps = append(apps, a)
			} else if apps, err = c.ListApps(cmd.Context(), f.namespace); err != nil {
				return err
			}
			if len(apps) == 0 && f.output == app.OutputTable {
				fmt.Fprintf(cmd.OutOrStdout(), "no FlinkDeployments or FlinkSessionJobs in namespace %s (`weir app list` shows every namespace)\n", f.namespace)
				return nil
			}
			if f.output != app.OutputTable {
				objs := make([]any, 0, len(apps))
				for _, a := range apps {
					objs = append(objs, a.Obj)
				}
				if len(args) == 1 {
					return app.WriteData(cmd.OutOrStdout(), f.output, objs[0])
				}
				return app.WriteData(cmd.OutOrStdout(), f.output, objs)
			}
			rows := make([]app.Summary, 0, len(apps))
			for _, a := range apps {
				rows = append(rows, app.SummarizeApp(a))
			}
			return app.WriteTable(cmd.OutOrStdout(), rows)
		},
	}
}

func appSuspendCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suspend <name>",
		Short: "Set job.state=suspended (a savepoint first with upgradeMode savepoint) and wait for SUSPENDED",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			a, err := c.SetJobState(cmd.Context(), f.key(args[0]), v1beta1.JobStateSuspended)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: job.state=suspended\n", a)
			return waitAfter(cmd, f, c, a.Obj.GetName(), app.TargetSuspended, "SUSPENDED (the job stopped, its state kept)", nil)
		},
	}
	addWaitFlags(cmd, f)
	addForce(cmd, f)
	return cmd
}

func appResumeCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "resume <name>",
		Short: "Set job.state=running (restoring its last state) and wait for RUNNING",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			a, err := c.SetJobState(cmd.Context(), f.key(args[0]), v1beta1.JobStateRunning)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: job.state=running\n", a)
			return waitAfter(cmd, f, c, a.Obj.GetName(), app.TargetRunning, "its job RUNNING again", nil)
		},
	}
	addWaitFlags(cmd, f)
	addForce(cmd, f)
	return cmd
}

func appSavepointCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "savepoint <name>",
		Short: "Bump job.savepointTriggerNonce and wait for the new savepoint in status",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			before, nonce, err := c.TriggerSavepoint(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: job.savepointTriggerNonce=%d\n", before, nonce)
			var got app.App
			err = waitAfter(cmd, f, c, before.Obj.GetName(), "a new savepoint", "a new savepoint in status", func(a app.App) bool {
				got = a
				return app.NewerSavepoint(before.Status, a.Status)
			})
			if err == nil && got.Obj != nil && f.wait {
				fmt.Fprintf(cmd.OutOrStdout(), "savepoint: %s\n", got.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
			}
			return err
		},
	}
	addWaitFlags(cmd, f)
	addForce(cmd, f)
	return cmd
}

func appRestartCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restart <name>",
		Short: "Bump spec.restartNonce: the operator redeploys the cluster with the job's upgradeMode",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			n, err := c.Restart(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: restartNonce=%d; follow it with `weir app wait %s --for STABLE`\n", args[0], n, args[0])
			return nil
		},
	}
	addForce(cmd, f)
	return cmd
}

func appSetImageCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set-image <name> <image>",
		Short: "Change spec.image: an upgrade with the job's upgradeMode",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			if err := c.SetImage(cmd.Context(), f.key(args[0]), args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: image=%s; follow it with `weir app wait %s --for STABLE`\n", args[0], args[1], args[0])
			return nil
		},
	}
	addForce(cmd, f)
	return cmd
}

func appUICmd(f *appFlags) *cobra.Command {
	var address bool
	var port int
	cmd := &cobra.Command{
		Use:   "ui <name>",
		Short: "Open the Flink UI: a port-forward to the JobManager that prints http://localhost:PORT, until Ctrl-C",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			if address {
				url, err := c.UIURL(cmd.Context(), f.key(args[0]))
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), url)
				return nil
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return c.ForwardUI(ctx, f.key(args[0]), port, func(url string) {
				fmt.Fprintf(cmd.OutOrStdout(), "Flink UI of %s: %s (Ctrl-C stops the port-forward)\n", args[0], url)
			}, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&address, "address", false, "print the rest Service's in-cluster URL instead (reachable from the local cluster's host)")
	cmd.Flags().IntVar(&port, "port", 0, "local port (default: a free one)")
	return cmd
}

func appLogsCmd(f *appFlags) *cobra.Command {
	var o app.LogOptions
	cmd := &cobra.Command{
		Use:   "logs <name>",
		Short: "Print the JobManager's log, or every TaskManager's (--taskmanagers, each line prefixed with its pod)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			return c.StreamLogs(cmd.Context(), f.key(args[0]), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.TaskManagers, "taskmanagers", false, "the TaskManagers' logs, each line prefixed with its pod's name")
	cmd.Flags().BoolVar(&o.Previous, "previous", false, "the log of the container before its last restart")
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", false, "keep streaming new lines")
	cmd.Flags().Int64Var(&o.Tail, "tail", 200, "lines from the end (0: all)")
	cmd.Flags().StringVar(&o.Store, "store", os.Getenv("WEIR_LOG_STORE"),
		"the log store (VictoriaLogs URL) the cluster's log shipper sends lines to: read when the pods are gone (default $WEIR_LOG_STORE)")
	cmd.Flags().BoolVar(&o.FromStore, "from-store", false, "read the lines from --store even while the pods run")
	cmd.Flags().DurationVar(&o.Since, "since", 24*time.Hour, "with the store: how far back to read")
	return cmd
}
