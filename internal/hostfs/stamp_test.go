package hostfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPublishThenStamped(t *testing.T) {
	root := t.TempDir()
	dir, tmp := filepath.Join(root, "tree"), filepath.Join(root, "tree.tmp")
	if Stamped(dir, ".done", "k1") {
		t.Fatal("a missing tree is not stamped")
	}
	if err := os.MkdirAll(filepath.Join(tmp, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Publish(tmp, dir, ".done", "k1"); err != nil {
		t.Fatal(err)
	}
	if !Stamped(dir, ".done", "k1") {
		t.Fatal("published tree not stamped with its key")
	}
	if Stamped(dir, ".done", "k2") {
		t.Fatal("stamped with another key")
	}
	if _, err := os.Stat(filepath.Join(dir, "bin")); err != nil {
		t.Fatalf("tree content not moved: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temp tree left: %v", err)
	}
}
