package hostfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// MountsUnder returns the mount points at or below dir in /proc/self/mountinfo content,
// each once, deepest first: the order to unmount them in.
func MountsUnder(mountinfo, dir string) []string {
	dir = filepath.Clean(dir)
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if (mp == dir || strings.HasPrefix(mp, dir+"/")) && !seen[mp] {
			seen[mp] = true
			out = append(out, mp)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Count(out[i], "/") > strings.Count(out[j], "/")
	})
	return out
}

// Mounted reads this process's mount table and returns MountsUnder(dir).
func Mounted(dir string) ([]string, error) {
	raw, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return MountsUnder(string(raw), dir), nil
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			v := 0
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + int(c-'0')
			}
			if ok {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Unmount takes down everything mounted at or below dir, deepest first, in up to rounds
// passes (a stacked mount comes off one layer a pass). lazy detaches at once; otherwise a
// busy mount is detached after a plain unmount fails. The error names what is still mounted:
// a caller about to delete dir must not, or it would reach into a bind-mounted host tree.
func Unmount(dir string, rounds int, lazy bool) error {
	var last error
	for range rounds {
		mps, err := Mounted(dir)
		if err != nil {
			return err
		}
		if len(mps) == 0 {
			return nil
		}
		for _, mp := range mps {
			if !lazy && syscall.Unmount(mp, 0) == nil {
				continue
			}
			if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil {
				last = err
			}
		}
	}
	left, err := Mounted(dir)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		if last != nil {
			return fmt.Errorf("cannot unmount %s: %w", strings.Join(left, ", "), last)
		}
		return fmt.Errorf("cannot unmount %s", strings.Join(left, ", "))
	}
	return nil
}
