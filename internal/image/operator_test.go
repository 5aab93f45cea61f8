package image

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func buildStaticHello(t *testing.T, msg string) string {
	return buildStaticProgram(t, "package main\n\nfunc main() { println(\""+msg+"\") }\n")
}

func buildStaticProgram(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestBuildOperatorImage(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a binary")
	}
	cache := t.TempDir()
	bin := buildStaticHello(t, "one")
	res, err := BuildOperator(cache, bin, NewProgress(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || len(res.Refs) != 1 || res.Refs[0] != OperatorRef {
		t.Fatalf("result %+v", res)
	}
	tag, _ := name.NewTag(OperatorRef)
	img, err := tarball.ImageFromPath(res.Path, &tag)
	if err != nil {
		t.Fatalf("archive does not carry %s: %v", OperatorRef, err)
	}
	cf, _ := img.ConfigFile()
	if cf.Config.Entrypoint[0] != OperatorBinaryInImage || cf.Config.User != "65532:65532" || cf.OS != "linux" {
		t.Fatalf("config %+v", cf.Config)
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Fatalf("%d layers, want base + binary", len(layers))
	}
	rc, _ := layers[1].Uncompressed()
	got, _ := readLayer(t, rc)
	rc.Close()
	want, _ := os.ReadFile(bin)
	if e := got["weir-operator"]; e.data != string(want) || e.mode != 0o755 {
		t.Fatalf("binary layer: mode %o, %d bytes", e.mode, len(e.data))
	}
	rc, _ = layers[0].Uncompressed()
	base, _ := readLayer(t, rc)
	rc.Close()
	if !strings.Contains(base["etc/passwd"].data, "nonroot:x:65532:65532") || base["tmp/"].mode != 0o1777 {
		t.Fatalf("base layer: %+v", base)
	}

	again, err := BuildOperator(cache, bin, NewProgress(io.Discard))
	if err != nil || !again.Cached || again.Path != res.Path {
		t.Fatalf("warm build = %+v, %v; want cached %s", again, err, res.Path)
	}
	other, err := BuildOperator(cache, buildStaticHello(t, "two"), NewProgress(io.Discard))
	if err != nil || other.Cached || other.Path == res.Path {
		t.Fatalf("changed binary = %+v, %v; want a new archive", other, err)
	}
}

func TestBuildOperatorRejectsBadBinaries(t *testing.T) {
	if _, err := BuildOperator(t.TempDir(), "/no/such/binary", nil); err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("missing binary: %v", err)
	}
	if _, err := BuildOperator(t.TempDir(), "/bin/sh", nil); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("dynamic binary: %v", err)
	}
	notELF := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildOperator(t.TempDir(), notELF, nil); err == nil || !strings.Contains(err.Error(), "not a Linux executable") {
		t.Fatalf("script: %v", err)
	}
}
