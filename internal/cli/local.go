package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/localcluster/binaries"
)

// newLocalCmd groups the verbs that manage the single-node local cluster.
func newLocalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "local", Short: "Run a real single-node Kubernetes on this machine"}
	cmd.AddCommand(newBuildBinariesCmd(), newEnvtestAssetsCmd())
	return cmd
}

func newBuildBinariesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "build-binaries [name...]",
		Short: "Build etcd, Kubernetes, CoreDNS and crictl from the Go module proxy into the cache (skips what is built)",
		Long: "Builds the pinned binaries into $WEIR_CACHE_DIR/bin/<group>-<version>/ (default /var/cache/weir).\n" +
			"A cold build takes about 20-30 minutes on 2 cores; a warm run does nothing.",
		RunE: func(cmd *cobra.Command, args []string) error {
			bins := binaries.All()
			if len(args) > 0 {
				var err error
				if bins, err = binaries.Select(args...); err != nil {
					return err
				}
			}
			b := &binaries.Builder{Cache: binaries.Cache{Root: binaries.DefaultCacheDir()}, Out: cmd.OutOrStdout()}
			return b.Ensure(cmd.Context(), bins)
		},
	}
}

func newEnvtestAssetsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "envtest-assets",
		Short: "Build etcd, kube-apiserver and kubectl if needed and print a directory for KUBEBUILDER_ASSETS",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := &binaries.Builder{Cache: binaries.Cache{Root: binaries.DefaultCacheDir()}, Out: cmd.ErrOrStderr()}
			dir, err := b.EnsureEnvtest(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), dir)
			return nil
		},
	}
}
