package cli

import "github.com/spf13/cobra"

// newLocalCmd groups the verbs that manage the single-node local cluster.
func newLocalCmd() *cobra.Command {
	return &cobra.Command{Use: "local", Short: "Run a real single-node Kubernetes on this machine"}
}
