package image

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestPauseImage builds the real pause binary, checks it exits 0 on SIGTERM,
// and that the tarball carries the tag containerd's sandbox_image expects.
func TestPauseImage(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a Go program; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go toolchain")
	}
	cache := t.TempDir()
	tarPath, err := BuildPauseImage(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(PauseImageRef)
	img, err := tarball.ImageFromPath(tarPath, &tag)
	if err != nil {
		t.Fatalf("tarball lacks %s: %v", PauseImageRef, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/pause" {
		t.Errorf("entrypoint = %v", cf.Config.Entrypoint)
	}
	layers, _ := img.Layers()
	if len(layers) != 1 {
		t.Errorf("want one layer, got %d", len(layers))
	}
	again, err := BuildPauseImage(context.Background(), cache)
	if err != nil || again != tarPath {
		t.Errorf("second build should reuse %s, got %s, %v", tarPath, again, err)
	}

	// Run the binary itself.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module weirpause\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(PauseSource), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "pause")
	if err := goBuildStatic(context.Background(), dir, cache, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-ready")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("pause did not report ready: %q %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pause exited with %v on SIGTERM, want status 0", err)
	}
}
