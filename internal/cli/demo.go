package cli

import (
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/demo"
	"weir.dev/weir/internal/localcluster"
)

// newDemoCmd is the Go part of `make run`: from nothing to a RUNNING Flink job.
func newDemoCmd() *cobra.Command {
	var (
		o        demo.QuickstartOptions
		dataDir  string
		operator string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Bring up the local cluster, build and import images, install the operator, run examples/quickstart.yaml until RUNNING",
		Long: "Builds what is missing (binaries ~25 min cold, images ~10 min cold), starts the local single-node\n" +
			"Kubernetes, installs the CRDs and the operator with the Helm chart, applies the quickstart\n" +
			"FlinkDeployment and waits until its job is RUNNING. Every step is a no-op when already done.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := demo.NewRunner(cmd.OutOrStdout())
			r.DataDir, r.OperatorBinary = dataDir, operator
			return r.Quickstart(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dataDir, "data-dir", localcluster.DefaultDataDir(), "local cluster state directory (env WEIR_DATA_DIR)")
	fl.StringVar(&operator, "operator-binary", "bin/weir-operator", "static operator binary packed into the operator image")
	fl.StringVar(&o.Manifest, "manifest", "examples/quickstart.yaml", "FlinkDeployment manifest to apply")
	fl.StringVar(&o.Name, "name", "quickstart", "name of the FlinkDeployment in the manifest")
	fl.StringVarP(&o.Namespace, "namespace", "n", "default", "namespace to run it in (the operator watches it)")
	fl.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "how long to wait for RUNNING")
	return cmd
}
