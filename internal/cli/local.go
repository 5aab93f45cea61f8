package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/localcluster/binaries"
)

// newLocalCmd groups the verbs that manage the single-node local cluster.
func newLocalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "local", Short: "Run a real single-node Kubernetes on this machine"}
	dataDir := cmd.PersistentFlags().String("data-dir", localcluster.DefaultDataDir(), "cluster state directory (env WEIR_DATA_DIR)")
	opts := func(c *cobra.Command) localcluster.Options {
		return localcluster.Options{DataDir: *dataDir, CacheDir: binaries.DefaultCacheDir(), Out: c.OutOrStdout()}
	}
	cmd.AddCommand(
		newLocalUpCmd(opts),
		newLocalDownCmd(opts),
		&cobra.Command{
			Use:   "status",
			Short: "Show the state of every component",
			Args:  cobra.NoArgs,
			RunE:  func(c *cobra.Command, _ []string) error { return localcluster.PrintStatus(c.Context(), opts(c)) },
		},
		&cobra.Command{
			Use:   "kubeconfig",
			Short: "Print the path of the admin kubeconfig",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				p := localcluster.Layout{Root: *dataDir}.AdminKubeconfig()
				if _, err := os.Stat(p); err != nil {
					return fmt.Errorf("no kubeconfig at %s; run `weir local up` first", p)
				}
				fmt.Fprintln(c.OutOrStdout(), p)
				return nil
			},
		},
		&cobra.Command{
			Use:   "import-image <tar>...",
			Short: "Import docker-save or OCI tarballs into the cluster's containerd (k8s.io namespace), skipping present images",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				l := localcluster.Layout{Root: *dataDir}
				for _, t := range args {
					did, names, err := localcluster.ImportImage(c.Context(), l, t)
					if err != nil {
						return err
					}
					verb := "already present"
					if did {
						verb = "imported"
					}
					fmt.Fprintf(c.OutOrStdout(), "%s: %s %v\n", t, verb, names)
				}
				return nil
			},
		},
		newBuildBinariesCmd(),
		newEnvtestAssetsCmd(),
	)
	return cmd
}

func newLocalUpCmd(opts func(*cobra.Command) localcluster.Options) *cobra.Command {
	var with []string
	c := &cobra.Command{
		Use:   "up",
		Short: "Build what is missing and start the cluster (does nothing if it is already up)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o := opts(c)
			o.With = with
			return localcluster.Up(c.Context(), o)
		},
	}
	c.Flags().StringSliceVar(&with, "with", nil, "turn on opt-in features, remembered in the data dir: observability "+
		"(metrics server, log store and log shipper on the host; docs/observability-local.md)")
	return c
}

func newLocalDownCmd(opts func(*cobra.Command) localcluster.Options) *cobra.Command {
	var purge bool
	c := &cobra.Command{
		Use:   "down",
		Short: "Stop the cluster and remove its bridge, routes, iptables chains, mounts and cgroups",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return localcluster.Down(c.Context(), opts(c), purge) },
	}
	c.Flags().BoolVar(&purge, "purge", false, "also delete the data dir (certificates, etcd data, imported images)")
	return c
}

func newBuildBinariesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "build-binaries [name...]",
		Short: "Build etcd, Kubernetes, CoreDNS, crictl, versitygw (S3), Traefik (ingress) and the observability daemons from the Go module proxy into the cache (skips what is built)",
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
