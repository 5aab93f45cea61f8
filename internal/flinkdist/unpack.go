package flinkdist

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// unpack copies the distribution files of one downloaded archive (a .tar.gz sdist or a .whl
// zip) into dist and returns how many it wrote.
func unpack(archive string, kind packageKind, dist string) (int, error) {
	if strings.HasSuffix(archive, ".tar.gz") {
		return unpackTarGz(archive, kind, dist)
	}
	return unpackZip(archive, kind, dist)
}

func unpackTarGz(archive string, kind packageKind, dist string) (int, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w (delete it to download again)", archive, err)
	}
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w (delete it to download again)", archive, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		rel := distPath(kind, h.Name)
		if rel == "" {
			continue
		}
		if err := writeFile(filepath.Join(dist, rel), tr, fileMode(rel, os.FileMode(h.Mode))); err != nil {
			return n, err
		}
		n++
	}
}

func unpackZip(archive string, kind packageKind, dist string) (int, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return 0, fmt.Errorf("%s: %w (delete it to download again)", archive, err)
	}
	defer zr.Close()
	n := 0
	for _, zf := range zr.File {
		rel := distPath(kind, zf.Name)
		if rel == "" || zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return n, err
		}
		err = writeFile(filepath.Join(dist, rel), rc, fileMode(rel, zf.Mode()))
		rc.Close()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// fileMode normalizes modes: archives built on developer laptops carry odd bits, and wheels
// drop the executable bit of the scripts.
func fileMode(rel string, m os.FileMode) os.FileMode {
	if executable(rel) || m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func writeFile(p string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

func copyFile(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeFile(dst, f, 0o644)
}
