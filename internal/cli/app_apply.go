package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/app"
)

// appApplyCmd is `weir app apply -f FILE`: weir diff's prediction first, then, once
// confirmed, a server-side apply.
func appApplyCmd(f *appFlags) *cobra.Command {
	var file, opNamespace string
	var yes bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Show what applying a manifest does (as `weir diff`), then apply it after a confirmation",
		Long: `apply prints weir diff's prediction for each object of the manifest (restart or not,
the upgrade mode really used, savepoint, expected downtime), refuses what the operator would
refuse, and refuses an object ArgoCD manages unless --force (change git instead); then, after
a confirmation (--yes skips it), it server-side applies the manifest as the field manager
weir-cli.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := readManifest(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			c, err := f.clients()
			if err != nil {
				return err
			}
			if err := c.GuardManifest(cmd.Context(), data, f.namespace); err != nil {
				return err
			}
			ps, err := c.Diff(cmd.Context(), data, app.DiffOptions{Namespace: f.namespace, OperatorNamespace: opNamespace, Now: time.Now()})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for i, p := range ps {
				if i > 0 {
					fmt.Fprintln(out)
				}
				app.WritePrediction(out, p)
			}
			if file == "-" && !yes {
				return fmt.Errorf("the manifest came on stdin, so there is no answer to read: pass --yes")
			}
			if err := confirm(cmd, yes, "Apply?"); err != nil {
				return err
			}
			objs, err := c.Apply(cmd.Context(), data, f.namespace)
			if err != nil {
				return err
			}
			for _, u := range objs {
				fmt.Fprintf(out, "%s %s/%s applied; follow it with `weir app describe %s -n %s`\n",
					u.GetKind(), u.GetNamespace(), u.GetName(), u.GetName(), u.GetNamespace())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "manifest to apply (- for stdin, with --yes)")
	cmd.Flags().StringVar(&opNamespace, "operator-namespace", "weir-system", "namespace of the operator, whose config ConfigMap completes each spec")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for a confirmation")
	_ = cmd.MarkFlagRequired("filename")
	addForce(cmd, f)
	return cmd
}

// readManifest reads file, or in when file is "-".
func readManifest(in io.Reader, file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(in)
	}
	return os.ReadFile(file)
}

// confirm asks question on the command's output and reads the answer from its input;
// anything but y or yes changes nothing. yes skips the question.
func confirm(cmd *cobra.Command, yes bool, question string) error {
	if yes {
		return nil
	}
	fmt.Fprint(cmd.OutOrStdout(), question+" [y/N] ")
	line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return fmt.Errorf("not confirmed: nothing changed (answer y, or pass --yes)")
	}
	return nil
}
