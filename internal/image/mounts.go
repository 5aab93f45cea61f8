package image

import (
	"fmt"
	"os"

	"weir.dev/weir/internal/hostfs"
)

// unmountAll unmounts everything at or below dir, lazily if a mount is busy.
func unmountAll(dir string) error { return hostfs.Unmount(dir, 3, false) }

// removeRootfs deletes a chroot tree, but only once nothing is mounted in it: a bind-mounted
// /dev would otherwise take the host's device nodes with it.
func removeRootfs(dir string) error {
	if err := unmountAll(dir); err != nil {
		return fmt.Errorf("refusing to delete %s: %w", dir, err)
	}
	return os.RemoveAll(dir)
}
