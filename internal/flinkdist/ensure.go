package flinkdist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// recipe changes whenever the assembly below changes, invalidating cached distributions.
const recipe = "flinkdist/3"

const stampFile = ".weir-dist"

// Options tune Assemble.
type Options struct {
	// CacheRoot defaults to CacheRoot().
	CacheRoot string
	// Logf receives progress lines; nil prints them to stderr with the elapsed time.
	Logf func(format string, args ...any)
}

// Ensure returns FLINK_HOME of the pinned distribution for version ("1.20", "2.3" or a
// pinned full version), assembling it into the cache first if needed. Safe to call from
// several processes at once.
func Ensure(ctx context.Context, version string) (string, error) {
	return Assemble(ctx, version, Options{})
}

// Key identifies the inputs of a version's distribution; it changes when the pinned
// release, the artifacts or the recipe change. Image caches key on it.
func Key(version string) (string, error) {
	full, err := Resolve(version)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintln(h, recipe, full)
	for _, a := range mavenArtifacts(full) {
		fmt.Fprintln(h, a.coords(), a.Dest)
	}
	for _, args := range pipArgs(full, "-") {
		fmt.Fprintln(h, strings.Join(args, " "))
	}
	for _, r := range reporterJars {
		fmt.Fprintln(h, r.Artifact, r.PluginDir)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Assemble is Ensure with options.
func Assemble(ctx context.Context, version string, o Options) (string, error) {
	full, err := Resolve(version)
	if err != nil {
		return "", err
	}
	key, _ := Key(full)
	if o.CacheRoot == "" {
		o.CacheRoot = CacheRoot()
	}
	start := time.Now()
	logf := o.Logf
	if logf == nil {
		logf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "[flink %s %6.1fs] %s\n", full, time.Since(start).Seconds(), fmt.Sprintf(format, args...))
		}
	}
	l := Layout{Root: o.CacheRoot}
	dist := l.Dist(full, key)
	if hostfs.Stamped(dist, stampFile, key) {
		return dist, nil
	}
	unlock, err := hostfs.Lock(l.lockFile(full))
	if err != nil {
		return "", err
	}
	defer unlock()
	if hostfs.Stamped(dist, stampFile, key) { // another process finished while we waited
		return dist, nil
	}
	logf("assembling Flink %s into %s", full, dist)
	files, err := ensurePyPI(ctx, l.PyPI(full), full, logf)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dist), "dist.tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	for _, p := range []struct {
		file string
		kind packageKind
	}{{files.Libraries, libraries}, {files.Scripts, scripts}} {
		n, err := unpack(p.file, p.kind, tmp)
		if err != nil {
			return "", err
		}
		logf("unpacked %d files from %s", n, filepath.Base(p.file))
	}

	arts := mavenArtifacts(full)
	var reporterCopies [][2]string
	for _, r := range reporterJars {
		jar := fmt.Sprintf("%s-%s.jar", r.Artifact, full)
		src := filepath.Join(tmp, "plugins", r.PluginDir, jar)
		if _, err := os.Stat(src); err == nil {
			reporterCopies = append(reporterCopies, [2]string{src, filepath.Join(tmp, "opt", jar)})
			continue
		}
		arts = append(arts, mavenArtifact{Group: flinkGroup, Artifact: r.Artifact, Version: full, Dest: "opt/" + jar})
	}
	paths, err := ensureMaven(ctx, l.MavenRepo(), arts, logf)
	if err != nil {
		return "", err
	}
	for _, c := range reporterCopies {
		if err := copyFile(c[0], c[1]); err != nil {
			return "", err
		}
	}
	for _, a := range arts {
		if a.Dest == "" {
			continue
		}
		if err := copyFile(paths[a.coords()], filepath.Join(tmp, a.Dest)); err != nil {
			return "", err
		}
	}
	sm := stateMachineSource(full)
	if err := buildStateMachineJar(paths[sm.coords()], filepath.Join(tmp, "examples", "streaming", "StateMachineExample.jar")); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "log"), 0o755); err != nil {
		return "", err
	}
	if err := Verify(tmp, full); err != nil {
		return "", fmt.Errorf("assembled distribution is incomplete: %w", err)
	}
	if err := os.RemoveAll(dist); err != nil {
		return "", err
	}
	if err := hostfs.Publish(tmp, dist, stampFile, key); err != nil {
		return "", err
	}
	logf("Flink %s ready at %s", full, dist)
	return dist, nil
}

// Verify checks that home holds what the images and tests rely on.
func Verify(home, full string) error {
	need := []string{
		"bin/flink", "bin/config.sh", "bin/jobmanager.sh", "bin/taskmanager.sh", "bin/standalone-job.sh",
		"bin/kubernetes-jobmanager.sh", "bin/kubernetes-taskmanager.sh", "bin/flink-console.sh", "bin/bash-java-utils.jar",
		"conf/config.yaml", "conf/log4j-console.properties",
		"lib/flink-dist-" + full + ".jar",
		"opt/flink-s3-fs-presto-" + full + ".jar", "opt/flink-s3-fs-hadoop-" + full + ".jar",
		"opt/flink-metrics-prometheus-" + full + ".jar", "opt/flink-metrics-datadog-" + full + ".jar",
		"examples/streaming/StateMachineExample.jar", "examples/streaming/TopSpeedWindowing.jar", "examples/streaming/WordCount.jar",
	}
	if hasQueryableState(full) {
		need = append(need, "opt/"+queryableStateRuntime+"-"+full+".jar")
	}
	var missing []string
	for _, n := range need {
		if _, err := os.Stat(filepath.Join(home, n)); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks %s", home, strings.Join(missing, ", "))
	}
	return nil
}
