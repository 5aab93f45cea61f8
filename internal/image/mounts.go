package image

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// mountPointsUnder parses /proc/self/mountinfo content and returns the mount points at or
// below dir, deepest first (the order to unmount them).
func mountPointsUnder(mountinfo, dir string) []string {
	dir = filepath.Clean(dir)
	var out []string
	sc := bufio.NewScanner(strings.NewReader(mountinfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Count(out[i], "/") > strings.Count(out[j], "/") })
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountAll unmounts everything at or below dir, lazily if a mount is busy.
func unmountAll(dir string) error {
	for attempt := 0; attempt < 3; attempt++ {
		info, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			return err
		}
		mps := mountPointsUnder(string(info), dir)
		if len(mps) == 0 {
			return nil
		}
		for _, mp := range mps {
			if err := syscall.Unmount(mp, 0); err != nil {
				_ = syscall.Unmount(mp, syscall.MNT_DETACH)
			}
		}
	}
	info, _ := os.ReadFile("/proc/self/mountinfo")
	if left := mountPointsUnder(string(info), dir); len(left) > 0 {
		return fmt.Errorf("cannot unmount %s", strings.Join(left, ", "))
	}
	return nil
}

// removeRootfs deletes a chroot tree, but only once nothing is mounted in it: a bind-mounted
// /dev would otherwise take the host's device nodes with it.
func removeRootfs(dir string) error {
	if err := unmountAll(dir); err != nil {
		return fmt.Errorf("refusing to delete %s: %w", dir, err)
	}
	return os.RemoveAll(dir)
}
