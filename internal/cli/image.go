package cli

import "github.com/spf13/cobra"

// newImageCmd groups the verbs that build container images without Docker.
func newImageCmd() *cobra.Command {
	return &cobra.Command{Use: "image", Short: "Build container images without Docker"}
}
