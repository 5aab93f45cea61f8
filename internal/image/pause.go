package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"weir.dev/weir/internal/hostfs"
)

// PauseImageRef is the sandbox image containerd is configured with; the tag
// must match exactly or the CRI tries to pull it.
const PauseImageRef = "localhost/weir/pause:1"

// PauseSource is the whole pause program: it holds the pod's namespaces,
// reaps orphans, and exits 0 on SIGTERM/SIGINT.
const PauseSource = `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	if len(os.Args) > 1 && os.Args[1] == "-ready" { // lets tests signal only after Notify
		os.Stdout.WriteString("ready\n")
	}
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
`

// BuildPauseImage compiles PauseSource statically and packs it as a one-layer
// image tarball under <cacheRoot>/images, reusing a tarball with the same inputs.
func BuildPauseImage(ctx context.Context, cacheRoot string) (string, error) {
	sum := sha256.Sum256([]byte(PauseSource + runtime.Version()))
	out := filepath.Join(cacheRoot, "images", "pause-1-"+hex.EncodeToString(sum[:6])+".tar")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	dir, err := os.MkdirTemp("", "weir-pause-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module weirpause\n\ngo 1.24\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(PauseSource), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pause")
	if err := goBuildStatic(ctx, dir, cacheRoot, bin); err != nil {
		return "", fmt.Errorf("build pause binary: %w", err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	if err := WriteStaticBinaryImage(out, PauseImageRef, "pause", data); err != nil {
		return "", err
	}
	return out, nil
}

// goBuildStatic builds the main package in dir with cgo off, sharing the weir
// build cache.
func goBuildStatic(ctx context.Context, dir, cacheRoot, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off",
		"GOTOOLCHAIN=local", "GOCACHE="+filepath.Join(cacheRoot, "go", "build"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}

// WriteStaticBinaryImage writes a docker-save tarball tagged ref whose single
// layer holds /<file> as the entrypoint.
func WriteStaticBinaryImage(out, ref, file string, data []byte) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: file, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = runtime.GOARCH, "linux"
	cf.Config = v1.Config{Entrypoint: []string{"/" + file}, WorkingDir: "/"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	return hostfs.WriteAtomic(out, func(tmp string) error { return tarball.WriteToFile(tmp, tag, img) })
}
