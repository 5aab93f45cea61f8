package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/install"
)

// newOperatorCmd groups the verbs that install the operator into a cluster.
func newOperatorCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "operator", Short: "Install or upgrade the weir operator (Helm chart) in a cluster"}
	cmd.AddCommand(newOperatorInstallCmd())
	return cmd
}

func newOperatorInstallCmd() *cobra.Command {
	var (
		kubeconfig, namespace, release, image string
		watch                                 []string
		wait                                  bool
		timeout                               time.Duration
	)
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install the CRDs and the operator with the embedded Helm chart (upgrades an existing release)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			values := map[string]any{}
			if image != "" {
				repo, tag, ok := strings.Cut(image, ":")
				if !ok || strings.Contains(tag, "/") {
					return fmt.Errorf("--image %q needs a tag, like localhost/weir/operator:dev", image)
				}
				values["image"] = map[string]any{"repository": repo, "tag": tag}
			}
			if len(watch) > 0 {
				ns := make([]any, len(watch))
				for i, w := range watch {
					ns[i] = w
				}
				values["watchNamespaces"] = ns
			}
			start := time.Now()
			fmt.Fprintf(cmd.OutOrStdout(), "installing weir operator into namespace %s ...\n", namespace)
			rel, err := install.Operator(cmd.Context(), install.OperatorOptions{
				Kubeconfig: kubeconfig, Namespace: namespace, ReleaseName: release,
				Values: values, Wait: wait, Timeout: timeout,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "release %s revision %d %s (%.1fs)\n", rel.Name, rel.Version, rel.Info.Status, time.Since(start).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the target cluster")
	f.StringVarP(&namespace, "namespace", "n", "weir-system", "namespace of the operator")
	f.StringVar(&release, "release", "weir", "Helm release name")
	f.StringVar(&image, "image", "", "operator image (default from the chart: localhost/weir/operator:dev)")
	f.StringSliceVar(&watch, "watch-namespace", nil, "namespace to reconcile (repeatable); default: every namespace")
	f.BoolVar(&wait, "wait", true, "wait until the operator is ready")
	f.DurationVar(&timeout, "timeout", 3*time.Minute, "how long to wait")
	return cmd
}
