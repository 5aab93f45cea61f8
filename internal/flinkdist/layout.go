package flinkdist

import (
	"path"
	"strings"
)

// Which package an archive came from decides which of its files belong to the distribution.
type packageKind int

const (
	// libraries is apache-flink-libraries: an sdist (<name>/deps/...) for 1.x, a wheel (pyflink/...) for 2.x.
	libraries packageKind = iota
	// scripts is apache-flink: pyflink/bin and pyflink/conf.
	scripts
)

// distPath maps an archive entry to its path inside the distribution, or "" to skip it.
// The archives carry much more (Python sources, metadata); only Flink's own tree is kept.
func distPath(kind packageKind, entry string) string {
	entry = strings.TrimPrefix(entry, "./")
	if entry == "" || strings.HasSuffix(entry, "/") || !safeRel(entry) {
		return ""
	}
	var rest string
	switch {
	case strings.HasPrefix(entry, "pyflink/"):
		rest = strings.TrimPrefix(entry, "pyflink/")
	case kind == libraries && strings.Count(entry, "/") >= 2 && strings.Split(entry, "/")[1] == "deps":
		rest = strings.SplitN(entry, "/", 3)[2]
	case kind == libraries && strings.Count(entry, "/") == 1:
		// top-level LICENSE / NOTICE of the sdist
		base := path.Base(entry)
		if base == "LICENSE" || base == "NOTICE" {
			return base
		}
		return ""
	default:
		return ""
	}
	top, _, found := strings.Cut(rest, "/")
	if !found {
		return ""
	}
	switch kind {
	case libraries:
		switch top {
		case "lib", "plugins", "opt", "licenses":
			return rest
		case "bin":
			if strings.HasSuffix(rest, ".jar") {
				return rest
			}
		}
	case scripts:
		switch top {
		case "bin":
			if !strings.HasSuffix(rest, ".bat") {
				return rest
			}
		case "conf":
			return rest
		}
	}
	return ""
}

// safeRel reports whether p is relative and has no ".." element, so it stays inside the
// directory it is extracted into whatever prefix is stripped.
func safeRel(p string) bool {
	if path.IsAbs(p) {
		return false
	}
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return false
		}
	}
	return true
}

// executable reports whether a distribution file must be executable (zip entries from wheels
// often carry no mode bits).
func executable(rel string) bool {
	return strings.HasPrefix(rel, "bin/") && !strings.HasSuffix(rel, ".jar") ||
		strings.HasSuffix(rel, ".sh")
}
