package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	typ      byte
	mode     int64
	uid, gid int
	link     string
	data     string
}

func readLayer(t *testing.T, r io.Reader) (map[string]entry, []string) {
	t.Helper()
	tr := tar.NewReader(r)
	got := map[string]entry{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got, order
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if _, dup := got[h.Name]; dup {
			t.Errorf("duplicate entry %s", h.Name)
		}
		got[h.Name] = entry{h.Typeflag, h.Mode & 0o7777, h.Uid, h.Gid, h.Linkname, string(data)}
		order = append(order, h.Name)
	}
}

func TestLayerWriterTree(t *testing.T) {
	src := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "bin"), 0o755))
	must(os.MkdirAll(filepath.Join(src, "proc", "1"), 0o555))
	must(os.WriteFile(filepath.Join(src, "bin", "flink"), []byte("#!/bin/sh\n"), 0o755))
	must(os.WriteFile(filepath.Join(src, "proc", "1", "status"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(src, "big"), []byte("content"), 0o644))
	must(os.Link(filepath.Join(src, "big"), filepath.Join(src, "big-again")))
	must(os.Symlink("bin/flink", filepath.Join(src, "link")))

	var buf bytes.Buffer
	lw := NewLayerWriter(&buf)
	owner := [2]int{9999, 9999}
	must(lw.AddTree(src, TreeOptions{Prefix: "/opt/flink", Owner: &owner, ModTime: &fixedTime, Skip: RootfsSkip}))
	must(lw.AddFile(LayerFile{Path: "/docker-entrypoint.sh", Mode: 0o755, Data: []byte("echo hi")}))
	must(lw.AddDir("tmp", 0o1777, 0, 0))
	must(lw.Close())

	got, order := readLayer(t, &buf)
	if order[0] != "opt/" || order[1] != "opt/flink/" {
		t.Fatalf("parents must come first: %v", order)
	}
	checks := map[string]entry{
		"opt/":                 {tar.TypeDir, 0o755, 0, 0, "", ""},
		"opt/flink/bin/flink":  {tar.TypeReg, 0o755, 9999, 9999, "", "#!/bin/sh\n"},
		"opt/flink/big":        {tar.TypeReg, 0o644, 9999, 9999, "", "content"},
		"opt/flink/big-again":  {tar.TypeLink, 0o644, 9999, 9999, "opt/flink/big", ""},
		"opt/flink/link":       {tar.TypeSymlink, 0o777, 9999, 9999, "bin/flink", ""},
		"opt/flink/proc/":      {tar.TypeDir, 0o555, 9999, 9999, "", ""},
		"docker-entrypoint.sh": {tar.TypeReg, 0o755, 0, 0, "", "echo hi"},
		"tmp/":                 {tar.TypeDir, 0o1777, 0, 0, "", ""},
	}
	for name, want := range checks {
		if g, ok := got[name]; !ok || g != want {
			t.Errorf("%s = %+v (present %v), want %+v", name, g, ok, want)
		}
	}
	for _, skipped := range []string{"opt/flink/proc/1/", "opt/flink/proc/1/status"} {
		if _, ok := got[skipped]; ok {
			t.Errorf("%s should be skipped", skipped)
		}
	}
}

func TestLayerIsReproducible(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func() []byte {
		out := filepath.Join(t.TempDir(), "l.tar.gz")
		if err := writeLayerFile(out, func(lw *LayerWriter) error {
			return lw.AddTree(src, TreeOptions{Prefix: "x", Owner: &[2]int{1, 1}, ModTime: &fixedTime})
		}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		return b
	}
	first := write()
	if err := os.Chtimes(filepath.Join(src, "a"), fixedTime.AddDate(3, 0, 0), fixedTime.AddDate(3, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, write()) {
		t.Fatal("same content, different layer bytes")
	}
	zr, err := gzip.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readLayer(t, zr)
	if got["x/a"].data != "a" {
		t.Fatalf("layer content: %+v", got)
	}
}

func TestRootfsSkip(t *testing.T) {
	for rel, want := range map[string]bool{
		"proc": false, "proc/": true, "proc/1": true, "dev/null": true, "tmp/x": true, "run/lock": true,
		"var/tmp/x": true, "etc/passwd": false, "usr/lib/jvm": false, rootfsDone: true, "procfoo/x": false,
	} {
		if got := RootfsSkip(rel); got != want {
			t.Errorf("RootfsSkip(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestPruneStale(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"flink-1.20.0-old.tar", "flink-1.20.0-new.tar", "flink-1.20.0-x.tar.lock", "flink-1.20.0-new.tar.lock", "flink-1.20.0-y.tar.tmp", "flink-2.3.0-a.tar", "pause-1-b.tar"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pruneStale(filepath.Join(dir, "flink-1.20.0-new.tar"), "flink-1.20.0-")
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	var names []string
	for _, l := range left {
		names = append(names, filepath.Base(l))
	}
	want := []string{"flink-1.20.0-new.tar", "flink-1.20.0-new.tar.lock", "flink-1.20.0-y.tar.tmp", "flink-2.3.0-a.tar", "pause-1-b.tar"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("left %v, want %v", names, want)
	}
}
