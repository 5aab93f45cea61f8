package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/app"
)

func appListCmd(f *appFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Every FlinkDeployment and FlinkSessionJob of every namespace (-n: one): lifecycle, job, last checkpoint, restarts, profile",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			ns := ""
			if cmd.Flags().Changed("namespace") {
				ns = f.namespace
			}
			apps, err := c.ListApps(cmd.Context(), ns)
			if err != nil {
				return err
			}
			rows := make([]app.Row, 0, len(apps))
			for _, a := range apps {
				rows = append(rows, app.RowOf(a))
			}
			if f.output != app.OutputTable {
				return app.WriteData(cmd.OutOrStdout(), f.output, rows)
			}
			if len(rows) == 0 {
				where := "any namespace"
				if ns != "" {
					where = "namespace " + ns
				}
				fmt.Fprintf(cmd.OutOrStdout(), "no FlinkDeployments or FlinkSessionJobs in %s; `weir app apply -f app.yaml` or `kubectl apply` creates one\n", where)
				return nil
			}
			return app.WriteList(cmd.OutOrStdout(), rows, time.Now(), app.Colour(cmd.OutOrStdout()))
		},
	}
}

func appDescribeCmd(f *appFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "describe <name>",
		Short: "Status, effective spec, Events, savepoints, checkpoints and Flink's exceptions of one app",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			d, err := c.Describe(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			if f.output != app.OutputTable {
				return app.WriteData(cmd.OutOrStdout(), f.output, d)
			}
			return app.WriteDescription(cmd.OutOrStdout(), d, time.Now())
		},
	}
}

func appRollbackCmd(f *appFlags) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "rollback <name>",
		Short: "Set the spec back to the last one that ran stably (status.reconciliationStatus.lastStableSpec), after a confirmation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			plan, err := c.PlanRollback(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: back to its last stable spec, which changes %s\n", plan.App, strings.Join(plan.Changes, ", "))
			if err := confirm(cmd, yes, "Edit the spec?"); err != nil {
				return err
			}
			if err := c.RollBack(cmd.Context(), plan); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: spec rolled back; follow it with `weir app describe %s -n %s`\n", plan.App, args[0], f.namespace)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for a confirmation")
	addForce(cmd, f)
	return cmd
}

func appScaleCmd(f *appFlags) *cobra.Command {
	var parallelism int32
	cmd := &cobra.Command{
		Use:   "scale <name> --parallelism N",
		Short: "Set spec.job.parallelism: the operator rescales the job",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("parallelism") {
				return fmt.Errorf("give the new parallelism: `weir app scale %s --parallelism N`", args[0])
			}
			c, err := f.clients()
			if err != nil {
				return err
			}
			a, was, err := c.Scale(cmd.Context(), f.key(args[0]), parallelism)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: job.parallelism %d -> %d; follow it with `weir app describe %s`\n", a, was, parallelism, args[0])
			return nil
		},
	}
	cmd.Flags().Int32Var(&parallelism, "parallelism", 0, "the job's new parallelism")
	addForce(cmd, f)
	return cmd
}

func appCheckpointCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkpoint <name>",
		Short: "Bump job.checkpointTriggerNonce: the operator triggers a checkpoint; wait for it in status",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			a, n, err := c.TriggerCheckpoint(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: job.checkpointTriggerNonce=%d\n", a, n)
			return waitAfter(cmd, f, c, a.Obj.GetName(), "the checkpoint", "the checkpoint in status", func(a app.App) bool {
				return app.CheckpointDone(a.Status, n)
			})
		},
	}
	addWaitFlags(cmd, f)
	addForce(cmd, f)
	return cmd
}

func appSavepointsCmd(f *appFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "savepoints <name>",
		Short: "The app's savepoints as its status records them, oldest first (take one: `savepoint`; dispose: `snapshots`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			a, err := c.Find(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			sps := app.SavepointsOf(a)
			if f.output != app.OutputTable {
				return app.WriteData(cmd.OutOrStdout(), f.output, sps)
			}
			if len(sps) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s has no savepoint yet: `weir app savepoint %s` takes one\n", a, args[0])
				return nil
			}
			return app.WriteSavepoints(cmd.OutOrStdout(), sps)
		},
	}
}

func appSnapshotsCmd(f *appFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List, create and dispose of FlinkStateSnapshots (savepoints and checkpoints as objects)",
	}
	list := &cobra.Command{
		Use:   "list [app]",
		Short: "The FlinkStateSnapshots of the namespace, or of one app",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			var of string
			if len(args) == 1 {
				of = args[0]
			}
			rows, err := c.ListSnapshots(cmd.Context(), f.namespace, of)
			if err != nil {
				return err
			}
			if f.output != app.OutputTable {
				return app.WriteData(cmd.OutOrStdout(), f.output, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no FlinkStateSnapshots in namespace %s; `weir app snapshots create <app>` takes one\n", f.namespace)
				return nil
			}
			return app.WriteSnapshots(cmd.OutOrStdout(), rows, time.Now())
		},
	}
	var o app.SnapshotOptions
	create := &cobra.Command{
		Use:   "create <app>",
		Short: "Create a FlinkStateSnapshot of the app: a savepoint (or --checkpoint) the operator takes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			s, err := c.CreateSnapshot(cmd.Context(), f.key(args[0]), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "FlinkStateSnapshot %s/%s created; `weir app snapshots list %s` shows its state and path\n", s.Namespace, s.Name, args[0])
			return nil
		},
	}
	create.Flags().BoolVar(&o.Checkpoint, "checkpoint", false, "a checkpoint instead of a savepoint")
	create.Flags().StringVar(&o.Path, "path", "", "the savepoint's target directory (default: the job's state.savepoints.dir)")
	create.Flags().BoolVar(&o.Keep, "keep", false, "keep the savepoint's files when the FlinkStateSnapshot is deleted")
	dispose := &cobra.Command{
		Use:   "dispose <snapshot>",
		Short: "Delete a FlinkStateSnapshot; the operator disposes of its savepoint files unless it was created with --keep",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.clients()
			if err != nil {
				return err
			}
			r, err := c.DisposeSnapshot(cmd.Context(), f.key(args[0]))
			if err != nil {
				return err
			}
			files := "its files stay (disposeOnDelete is false)"
			if r.Type == "SAVEPOINT" && r.Dispose {
				files = "the operator disposes of its files first"
			} else if r.Type != "SAVEPOINT" {
				files = "checkpoint files belong to the job's retention"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "FlinkStateSnapshot %s/%s deleted; %s\n", r.Namespace, r.Name, files)
			return nil
		},
	}
	list.ValidArgsFunction = completeApps(f)
	create.ValidArgsFunction = completeApps(f)
	dispose.ValidArgsFunction = completeSnapshots(f)
	cmd.AddCommand(list, create, dispose)
	return cmd
}

// completeApps completes the first argument with the names of the apps of the namespace.
func completeApps(f *appFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := app.NewClients(f.kubeconfig)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		apps, err := c.ListApps(cmd.Context(), f.namespace)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		for _, a := range apps {
			names = append(names, a.Obj.GetName())
		}
		return app.Complete(names, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeSnapshots completes a FlinkStateSnapshot name of the namespace.
func completeSnapshots(f *appFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := app.NewClients(f.kubeconfig)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		rows, err := c.ListSnapshots(cmd.Context(), f.namespace, "")
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		for _, r := range rows {
			names = append(names, r.Name)
		}
		return app.Complete(names, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}
