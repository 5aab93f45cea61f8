package hostfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub", "f")
	if err := WriteAtomic(out, func(tmp string) error { return os.WriteFile(tmp, []byte("one"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteAtomic(out, func(tmp string) error {
		if err := os.WriteFile(tmp, []byte("half"), 0o644); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "one" {
		t.Fatalf("out = %q, %v; want the first content kept", b, err)
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temp file left behind: %v", err)
	}
	if err := WriteAtomic(out, func(tmp string) error { return os.WriteFile(tmp, []byte("two"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "two" {
		t.Fatalf("out = %q, want two", b)
	}
}
