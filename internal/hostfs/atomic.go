package hostfs

import (
	"os"
	"path/filepath"
)

// WriteAtomic makes the file out without ever showing half of it: write fills out+".tmp"
// (its directory exists), which then replaces out. A failed write leaves out as it was and
// no temp file behind.
func WriteAtomic(out string, write func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp := out + ".tmp"
	defer os.Remove(tmp) // gone already after the rename
	if err := write(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
