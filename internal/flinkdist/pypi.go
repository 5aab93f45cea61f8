package flinkdist

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pypiFiles are the two downloaded archives of one Flink version.
type pypiFiles struct{ Libraries, Scripts string }

// findPyPI looks for already downloaded archives; pip names sdists and wheels differently
// across releases (1.20 libraries is an sdist, 2.x a wheel).
func findPyPI(dir, version string) (pypiFiles, bool) {
	var f pypiFiles
	for _, pat := range []string{
		"apache_flink_libraries-" + version + "-*.whl",
		"apache-flink-libraries-" + version + ".tar.gz",
		"apache_flink_libraries-" + version + ".tar.gz",
	} {
		if m, _ := filepath.Glob(filepath.Join(dir, pat)); len(m) > 0 {
			f.Libraries = m[0]
			break
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "apache_flink-"+version+"-*.whl")); len(m) > 0 {
		f.Scripts = m[0]
	}
	return f, f.Libraries != "" && f.Scripts != ""
}

// pipArgs are the two `pip download` invocations. apache-flink is a binary wheel per Python
// version, so the platform is pinned to get the same file whatever Python runs pip; its
// bin/ and conf/ do not depend on it. The libraries are pure and fetched as published.
func pipArgs(version, dest string) [][]string {
	base := []string{"-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", dest}
	libs := append(append([]string{}, base...), "apache-flink-libraries=="+version)
	scripts := append(append([]string{}, base...),
		"--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11",
		"--platform", "manylinux2014_x86_64", "--platform", "manylinux1_x86_64",
		"apache-flink=="+version)
	return [][]string{libs, scripts}
}

// ensurePyPI downloads the archives into dir unless they are there already.
func ensurePyPI(ctx context.Context, dir, version string, logf func(string, ...any)) (pypiFiles, error) {
	if f, ok := findPyPI(dir, version); ok {
		return f, nil
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return pypiFiles{}, fmt.Errorf("python3 with pip is needed to download Flink from PyPI: apt-get install -y python3-pip")
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return pypiFiles{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return pypiFiles{}, err
	}
	defer os.RemoveAll(tmp)
	for _, args := range pipArgs(version, tmp) {
		logf("pip download %s", args[len(args)-1])
		cmd := exec.CommandContext(ctx, python, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return pypiFiles{}, fmt.Errorf("pip download %s failed (is PyPI reachable and pip configured?): %w\n%s",
				args[len(args)-1], err, tail(out.String(), 2000))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return pypiFiles{}, err
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return pypiFiles{}, err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return pypiFiles{}, err
		}
	}
	f, ok := findPyPI(dir, version)
	if !ok {
		return f, fmt.Errorf("pip downloaded %d files into %s but not both apache-flink-libraries and apache-flink %s", len(entries), dir, version)
	}
	return f, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
