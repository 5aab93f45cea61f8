package hostfs

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestLockExcludesAndReleases(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "x.lock")
	unlock, err := Lock(p)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file, so a second open in this process conflicts too.
	if _, err := TryLock(p); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while held = %v, want ErrLocked", err)
	}
	unlock()
	unlock2, err := TryLock(p)
	if err != nil {
		t.Fatalf("TryLock after unlock: %v", err)
	}
	unlock2()
}
