package image

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// AptSource is one (URI, suite) pair of the host's apt configuration.
type AptSource struct{ URI, Suite string }

// ParseAptSources reads deb822 (.sources) and one-line (.list) files, given as name →
// content; files with other suffixes are inactive for apt and ignored. Only "deb" entries
// count (no deb-src).
func ParseAptSources(files map[string]string) []AptSource {
	var out []AptSource
	for name, content := range files {
		switch {
		case strings.HasSuffix(name, ".sources"):
			out = append(out, parseDeb822(content)...)
		case strings.HasSuffix(name, ".list"):
			out = append(out, parseOneLine(content)...)
		}
	}
	return out
}

func parseDeb822(content string) []AptSource {
	var out []AptSource
	flush := func(st map[string]string) {
		if st["enabled"] == "no" || !containsWord(st["types"], "deb") {
			return
		}
		for _, uri := range strings.Fields(st["uris"]) {
			for _, suite := range strings.Fields(st["suites"]) {
				out = append(out, AptSource{URI: strings.TrimSuffix(uri, "/"), Suite: suite})
			}
		}
	}
	st := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush(st)
			st = map[string]string{}
			continue
		}
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			st[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	flush(st)
	return out
}

func parseOneLine(content string) []AptSource {
	var out []AptSource
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // options like [arch=amd64 signed-by=…]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) >= 2 {
			out = append(out, AptSource{URI: strings.TrimSuffix(f[0], "/"), Suite: f[1]})
		}
	}
	return out
}

func containsWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// Mirrors is where the Debian image's packages come from.
type Mirrors struct{ Main, Security string }

// PickMirrors chooses the URI serving suite (for debootstrap and the image's sources.list)
// and the one serving suite-security.
func PickMirrors(srcs []AptSource, suite string) (Mirrors, error) {
	var m Mirrors
	for _, s := range srcs {
		switch s.Suite {
		case suite:
			if m.Main == "" {
				m.Main = s.URI
			}
		case suite + "-security", suite + "/updates":
			if m.Security == "" {
				m.Security = s.URI
			}
		}
	}
	if m.Main == "" {
		return m, fmt.Errorf("no apt source serves Debian %s: add one to /etc/apt/sources.list.d/ (weir reads the mirror from apt's configuration)", suite)
	}
	return m, nil
}

// HostMirrors reads /etc/apt/sources.list and /etc/apt/sources.list.d/.
func HostMirrors(suite string) (Mirrors, error) {
	files := map[string]string{}
	paths, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	paths = append(paths, "/etc/apt/sources.list")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			files[filepath.Base(p)] = string(b)
		}
	}
	return PickMirrors(ParseAptSources(files), suite)
}
