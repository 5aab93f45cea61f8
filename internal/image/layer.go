package image

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// LayerFile is a file added to a layer from memory.
type LayerFile struct {
	Path string // inside the image, without a leading slash
	Mode int64
	Data []byte
}

// TreeOptions describe how a directory tree becomes part of a layer.
type TreeOptions struct {
	// Prefix is where the tree lands in the image ("opt/flink"); "" for a root filesystem.
	Prefix string
	// Owner forces uid/gid on every entry; nil keeps the numeric owners found on disk.
	Owner *[2]int
	// Skip reports whether a path (relative to the tree, slash-separated) is left out; a
	// skipped directory is still written, but not its contents.
	Skip func(rel string) bool
	// ModTime, when set, replaces every mtime so the layer's digest depends only on content.
	ModTime *time.Time
}

// RootfsSkip leaves out the contents of the pseudo and scratch filesystems of a chroot, and
// weir's own build marker.
func RootfsSkip(rel string) bool {
	for _, d := range []string{"proc/", "sys/", "dev/", "tmp/", "run/", "var/tmp/"} {
		if strings.HasPrefix(rel, d) {
			return true
		}
	}
	return rel == rootfsDone
}

// fixedTime is the mtime of reproducible layers.
var fixedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// LayerWriter writes one uncompressed layer tar; directories are emitted once.
type LayerWriter struct {
	tw   *tar.Writer
	dirs map[string]bool
	// links maps a device/inode pair to the first path written for it, for hard links.
	links map[[2]uint64]string
}

// NewLayerWriter writes a layer to w.
func NewLayerWriter(w io.Writer) *LayerWriter {
	return &LayerWriter{tw: tar.NewWriter(w), dirs: map[string]bool{}, links: map[[2]uint64]string{}}
}

// Close finishes the tar stream.
func (l *LayerWriter) Close() error { return l.tw.Close() }

// parents writes the missing parent directories of p (root-owned, 0755).
func (l *LayerWriter) parents(p string) error {
	dir := path.Dir(p)
	if dir == "." || dir == "/" || l.dirs[dir] {
		return nil
	}
	if err := l.parents(dir); err != nil {
		return err
	}
	l.dirs[dir] = true
	return l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: fixedTime, Format: tar.FormatPAX})
}

// AddFile writes an in-memory file, owned by root.
func (l *LayerWriter) AddFile(f LayerFile) error {
	name := strings.TrimPrefix(f.Path, "/")
	if err := l.parents(name); err != nil {
		return err
	}
	if err := l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: f.Mode, Size: int64(len(f.Data)),
		ModTime: fixedTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := l.tw.Write(f.Data)
	return err
}

// AddDir writes an empty directory with the given mode and owner.
func (l *LayerWriter) AddDir(p string, mode int64, uid, gid int) error {
	name := strings.Trim(p, "/")
	if err := l.parents(name); err != nil {
		return err
	}
	l.dirs[name] = true
	return l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: gid,
		ModTime: fixedTime, Format: tar.FormatPAX})
}

// AddTree writes the directory src, in lexical order so equal trees give equal layers.
func (l *LayerWriter) AddTree(src string, o TreeOptions) error {
	prefix := strings.Trim(o.Prefix, "/")
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			if prefix == "" {
				return nil
			}
			rel = ""
		} else if o.Skip != nil && o.Skip(rel) {
			return nil
		}
		name := path.Join(prefix, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := l.entry(p, name, info, o); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if d.IsDir() && o.Skip != nil && rel != "" && o.Skip(rel+"/") {
			return filepath.SkipDir
		}
		return nil
	})
}

func (l *LayerWriter) entry(src, name string, info fs.FileInfo, o TreeOptions) error {
	if err := l.parents(name); err != nil {
		return err
	}
	var link string
	if info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(src); err != nil {
			return err
		}
	}
	h, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return nil // sockets and the like have no tar form; a rootfs needs none
	}
	h.Name, h.Format = name, tar.FormatPAX
	h.Uname, h.Gname = "", ""
	st, _ := info.Sys().(*syscall.Stat_t)
	if o.Owner != nil {
		h.Uid, h.Gid = o.Owner[0], o.Owner[1]
	} else if st != nil {
		h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	}
	if o.ModTime != nil {
		h.ModTime = *o.ModTime
	}
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	switch {
	case info.IsDir():
		h.Name += "/"
		l.dirs[name] = true
		return l.tw.WriteHeader(h)
	case info.Mode().IsRegular():
		if st != nil && st.Nlink > 1 {
			key := [2]uint64{uint64(st.Dev), st.Ino}
			if first, ok := l.links[key]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
				return l.tw.WriteHeader(h)
			}
			l.links[key] = name
		}
		if err := l.tw.WriteHeader(h); err != nil {
			return err
		}
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(l.tw, f)
		return err
	default:
		if info.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0 {
			return nil // the runtime provides /dev
		}
		return l.tw.WriteHeader(h)
	}
}

// writeLayerFile writes a gzip-compressed layer to out atomically, filled by fill.
func writeLayerFile(out string, fill func(*LayerWriter) error) error {
	return hostfs.WriteAtomic(out, func(tmp string) error {
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		lw := NewLayerWriter(gz)
		err = fill(lw)
		if err == nil {
			err = lw.Close()
		}
		if err == nil {
			err = gz.Close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// pruneStale deletes older outputs named prefix* next to keep, and their lock files, so the
// cache holds one build per input set instead of one per past change. Temp files may belong
// to a build in progress and are left alone.
func pruneStale(keep, prefix string) {
	dir := filepath.Dir(keep)
	matches, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	for _, m := range matches {
		if m == keep || m == keep+".lock" || strings.HasSuffix(m, ".tmp") {
			continue
		}
		os.Remove(m)
	}
}
