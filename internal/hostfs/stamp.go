package hostfs

import (
	"os"
	"path/filepath"
	"strings"
)

// Stamped reports whether dir is a finished tree built from key: Publish wrote the stamp
// file named stamp, holding key, as the last step before the rename.
func Stamped(dir, stamp, key string) bool {
	b, err := os.ReadFile(filepath.Join(dir, stamp))
	return err == nil && strings.TrimSpace(string(b)) == key
}

// Publish finishes a tree built in tmp: it stamps it with key and renames it to dir. dir
// must be gone already; each caller removes an old tree its own way (a chroot only once
// nothing is mounted in it).
func Publish(tmp, dir, stamp, key string) error {
	if err := os.WriteFile(filepath.Join(tmp, stamp), []byte(key+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}
