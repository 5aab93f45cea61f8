package cli

import (
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// AsKubectlPlugin makes usage and completion read "kubectl weir" when the binary runs as
// kubectl-weir (a symlink on PATH), which is how kubectl finds its plugins.
func AsKubectlPlugin(root *cobra.Command, argv0 string) {
	if !strings.HasPrefix(filepath.Base(argv0), "kubectl-") {
		return
	}
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = "kubectl weir"
}
