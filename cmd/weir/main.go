// Command weir is the weir CLI: local platform, images and app lifecycle verbs.
package main

import (
	"fmt"
	"os"

	"weir.dev/weir/internal/cli"
)

func main() {
	root := cli.NewRoot()
	cli.AsKubectlPlugin(root, os.Args[0])
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
