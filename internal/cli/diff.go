package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/app"
)

// newDiffCmd is `weir diff -f app.yaml`: what applying a manifest would do, before doing it.
func newDiffCmd() *cobra.Command {
	var kubeconfig, namespace, opNamespace, file, output string
	cmd := &cobra.Command{
		Use:   "diff -f FILE",
		Short: "Predict what applying a FlinkDeployment, FlinkSessionJob or FlinkProfile manifest does: restart or not, upgrade mode, savepoint, downtime",
		Long: `diff dry-runs the manifest on the API server (nothing is stored), checks it as the
operator does, and asks weir's planner what it would do with the resource's recorded
status: nothing, an in-place scale, or a stateless, savepoint or last-state upgrade; the
upgrade mode really used and why; whether a savepoint is taken; which changed fields force
a restart; and the expected downtime, the median of the app's recorded rollouts
(status.weir.rollouts). For a FlinkProfile it lists the apps whose effective spec changes.
It exits non-zero when the operator would refuse the spec, with the operator's message.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != "json" {
				return fmt.Errorf("-o %q: only json is supported (default: text)", output)
			}
			data, err := readManifest(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			c, err := app.NewClients(kubeconfig)
			if err != nil {
				return err
			}
			ps, err := c.Diff(cmd.Context(), data, app.DiffOptions{Namespace: namespace, OperatorNamespace: opNamespace, Now: time.Now()})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(ps)
			}
			for i, p := range ps {
				if i > 0 {
					fmt.Fprintln(w)
				}
				app.WritePrediction(w, p)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "filename", "f", "", "manifest to compare with the cluster (- for stdin)")
	f.StringVar(&kubeconfig, "kubeconfig", app.DefaultKubeconfig(), "kubeconfig (default: the local cluster's, else KUBECONFIG)")
	f.StringVarP(&namespace, "namespace", "n", "default", "namespace for objects of the manifest without one")
	f.StringVar(&opNamespace, "operator-namespace", "weir-system", "namespace of the operator, whose config ConfigMap completes each spec")
	f.StringVarP(&output, "output", "o", "", "json for machines (default: text)")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}
