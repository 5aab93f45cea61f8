// Package hostfs holds the host file-system plumbing the local cluster, the image builder and
// the Flink assembler share: file locks and the mounts below a directory.
package hostfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrLocked is what TryLock returns when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock takes an exclusive flock on path, creating the file and its directory, and waits for
// another holder to let go. The returned func releases it.
func Lock(path string) (unlock func(), err error) { return lock(path, syscall.LOCK_EX) }

// TryLock is Lock without waiting: ErrLocked when another process holds the lock.
func TryLock(path string) (unlock func(), err error) {
	return lock(path, syscall.LOCK_EX|syscall.LOCK_NB)
}

func lock(path string, how int) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
