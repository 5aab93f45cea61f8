package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/image"
)

// newImageCmd groups the verbs that build container images without Docker.
func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Build container images without Docker"}
	cmd.AddCommand(newImageBuildCmd(), newFlinkDistCmd())
	return cmd
}

type imageFlags struct {
	cacheDir string
	version  string
	binary   string
}

func newImageBuildCmd() *cobra.Command {
	f := &imageFlags{}
	build := &cobra.Command{
		Use:   "build",
		Short: "Build image archives (docker-save tarballs) into $WEIR_CACHE_DIR/images; cached by input hash",
		Long: "Builds image tarballs that `weir local import-image` (or ctr images import) loads into containerd.\n" +
			"Progress goes to stderr; each archive is printed on stdout as: <path> <name>[,<name>…].",
	}
	build.PersistentFlags().StringVar(&f.cacheDir, "cache-dir", flinkdist.CacheRoot(), "cache root ($WEIR_CACHE_DIR)")

	flink := &cobra.Command{
		Use:   "flink",
		Short: "Build the Flink images (Debian bookworm + Java 17 + Flink) tagged like the official ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return buildFlinkImages(cmd, f)
		},
	}
	flink.Flags().StringVar(&f.version, "version", "all", "Flink line to build: "+strings.Join(flinkdist.Lines(), ", ")+" or all")

	operator := &cobra.Command{
		Use:   "operator",
		Short: "Build " + image.OperatorRef + " from a static operator binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return buildOperatorImage(cmd, f)
		},
	}
	operator.Flags().StringVar(&f.binary, "binary", "bin/weir-operator", "path to the statically linked operator binary")

	all := &cobra.Command{
		Use:   "all",
		Short: "Build every Flink image, the operator image and the pause image",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.version = "all"
			if err := buildFlinkImages(cmd, f); err != nil {
				return err
			}
			if err := buildOperatorImage(cmd, f); err != nil {
				return err
			}
			p := image.NewProgress(cmd.ErrOrStderr())
			start := time.Now()
			path, err := image.BuildPauseImage(cmd.Context(), f.cacheDir)
			if err != nil {
				return err
			}
			p.Logf("pause image ready in %.1fs", time.Since(start).Seconds())
			printResult(cmd.OutOrStdout(), image.Result{Path: path, Refs: []string{image.PauseImageRef}})
			return nil
		},
	}
	all.Flags().StringVar(&f.binary, "binary", "bin/weir-operator", "path to the statically linked operator binary")

	build.AddCommand(flink, operator, all)
	return build
}

func flinkLines(version string) ([]string, error) {
	if version == "" || version == "all" {
		return flinkdist.Lines(), nil
	}
	var out []string
	for _, v := range strings.Split(version, ",") {
		full, err := flinkdist.Resolve(v)
		if err != nil {
			return nil, err
		}
		out = append(out, full)
	}
	return out, nil
}

func buildFlinkImages(cmd *cobra.Command, f *imageFlags) error {
	lines, err := flinkLines(f.version)
	if err != nil {
		return err
	}
	p := image.NewProgress(cmd.ErrOrStderr())
	for _, l := range lines {
		res, err := image.BuildFlink(cmd.Context(), f.cacheDir, l, p)
		if err != nil {
			return err
		}
		printResult(cmd.OutOrStdout(), res)
	}
	p.Logf("flink images done")
	return nil
}

func buildOperatorImage(cmd *cobra.Command, f *imageFlags) error {
	p := image.NewProgress(cmd.ErrOrStderr())
	res, err := image.BuildOperator(f.cacheDir, f.binary, p)
	if err != nil {
		return err
	}
	printResult(cmd.OutOrStdout(), res)
	return nil
}

func printResult(w io.Writer, r image.Result) {
	fmt.Fprintf(w, "%s %s\n", r.Path, strings.Join(r.Refs, ","))
}

func newFlinkDistCmd() *cobra.Command {
	var version, cacheDir string
	cmd := &cobra.Command{
		Use:   "flink-dist",
		Short: "Assemble Flink distributions from PyPI and Maven Central into the cache and print each FLINK_HOME",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lines, err := flinkLines(version)
			if err != nil {
				return err
			}
			for _, l := range lines {
				p := image.NewProgress(cmd.ErrOrStderr())
				home, err := flinkdist.Assemble(cmd.Context(), l, flinkdist.Options{CacheRoot: cacheDir, Logf: p.Logf})
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), home)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&version, "version", "all", "Flink line: "+strings.Join(flinkdist.Lines(), ", ")+" or all")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", flinkdist.CacheRoot(), "cache root ($WEIR_CACHE_DIR)")
	return cmd
}
