package cli

import (
	"github.com/spf13/cobra"
)

// NewRoot returns the weir command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "weir",
		Short:         "Run Apache Flink applications on Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newLocalCmd(),
		newImageCmd(),
		newOperatorCmd(),
		newAppCmd(), newDemoCmd(),
		newDiffCmd(),
	)
	return root
}
