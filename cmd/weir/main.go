// Command weir is the weir CLI: local platform, images and app lifecycle verbs.
package main

import (
	"fmt"
	"os"

	"weir.dev/weir/internal/cli"
)

func main() {
	if err := cli.NewRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
