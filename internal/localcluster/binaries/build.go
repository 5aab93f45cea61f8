package binaries

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// Builder builds missing binaries into a Cache, one `go` command at a time so
// later builds reuse the shared build cache (and the 2-core host stays usable).
type Builder struct {
	Cache Cache
	Out   io.Writer     // progress lines
	Tick  time.Duration // heartbeat interval for long steps; 0 = 30s
}

// Missing reports which of bins are not yet in the cache.
func (b *Builder) Missing(bins []Binary) []Binary {
	var m []Binary
	for _, x := range bins {
		if _, err := os.Stat(b.Cache.Path(x)); err != nil {
			m = append(m, x)
		}
	}
	return m
}

// Ensure builds every binary in bins that is not already in the cache.
// A warm run only stats files.
func (b *Builder) Ensure(ctx context.Context, bins []Binary) error {
	start := time.Now()
	built := 0
	for i, x := range bins {
		did, err := b.ensureOne(ctx, x, fmt.Sprintf("[%d/%d]", i+1, len(bins)))
		if err != nil {
			return err
		}
		if did {
			built++
		}
	}
	if built > 0 {
		fmt.Fprintf(b.Out, "built %d binaries in %s\n", built, since(start))
	}
	return nil
}

func (b *Builder) ensureOne(ctx context.Context, x Binary, step string) (bool, error) {
	out := b.Cache.Path(x)
	if _, err := os.Stat(out); err == nil {
		fmt.Fprintf(b.Out, "%s %s %s: present (%s)\n", step, x.Name, x.Version, out)
		return false, nil
	}
	// One build of a group at a time: builds share the wrapper module and its go.mod.
	unlock, err := hostfs.Lock(filepath.Join(b.Cache.Root, "build", string(x.Group)+".lock"))
	if err != nil {
		return false, fmt.Errorf("%w (is the cache dir writable? set WEIR_CACHE_DIR)", err)
	}
	defer unlock()
	if _, err := os.Stat(out); err == nil { // another process built it while we waited
		fmt.Fprintf(b.Out, "%s %s %s: present (%s)\n", step, x.Name, x.Version, out)
		return false, nil
	}
	if _, err := exec.LookPath("go"); err != nil {
		return false, fmt.Errorf("building %s needs the go toolchain on PATH: %w", x.Name, err)
	}
	if err := os.MkdirAll(b.Cache.Dir(x), 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w (is the cache dir writable? set WEIR_CACHE_DIR)", b.Cache.Dir(x), err)
	}
	fmt.Fprintf(b.Out, "%s %s %s: building ...\n", step, x.Name, x.Version)
	start := time.Now()
	stop := b.heartbeat(x.Name, start)
	err = b.build(ctx, x, out)
	stop()
	if err != nil {
		return false, fmt.Errorf("build %s %s failed after %s: %w", x.Name, x.Version, since(start), err)
	}
	fmt.Fprintf(b.Out, "%s %s %s: built in %s\n", step, x.Name, x.Version, since(start))
	return true, nil
}

func (b *Builder) heartbeat(name string, start time.Time) (stop func()) {
	tick := b.Tick
	if tick == 0 {
		tick = 30 * time.Second
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(b.Out, "    ... still building %s (%s)\n", name, since(start))
			}
		}
	}()
	return func() { close(done) }
}

func (b *Builder) build(ctx context.Context, x Binary, out string) error {
	tmp := out + ".tmp"
	_ = os.Remove(tmp)
	var err error
	switch x.Group {
	case GroupEtcd:
		err = b.buildEtcd(ctx, x, tmp)
	case GroupKubernetes:
		err = b.buildKube(ctx, x, tmp)
	case GroupCoreDNS, GroupCrictl, GroupVersityGW, GroupVictoriaMetrics, GroupVictoriaLogs:
		err = b.goInstall(ctx, x, tmp)
	case GroupTraefik:
		err = b.buildTraefik(ctx, x, tmp)
	default:
		err = fmt.Errorf("no recipe for group %q", x.Group)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

func (b *Builder) buildEtcd(ctx context.Context, x Binary, tmp string) error {
	dir := b.Cache.WrapperDir(x.Group, x.Version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); err != nil {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), EtcdWrapperGoMod(x.Version), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(EtcdWrapperMain), 0o644); err != nil {
			return err
		}
		if err := b.goCmd(ctx, dir, x.Name, "mod", "tidy"); err != nil {
			return err
		}
	}
	return b.goCmd(ctx, dir, x.Name, "build", "-trimpath", "-ldflags", "-s -w", "-o", tmp, ".")
}

// wrapperReady marks a wrapper module whose go.mod/go.sum already resolve what it builds.
const wrapperReady = ".ready"

func (b *Builder) buildKube(ctx context.Context, x Binary, tmp string) error {
	dir := b.Cache.WrapperDir(x.Group, x.Version)
	if err := b.prepareKubeWrapper(ctx, dir, x.Version); err != nil {
		return err
	}
	date, err := os.ReadFile(filepath.Join(dir, "build-date"))
	if err != nil {
		return err
	}
	ld := KubeLDFlags(x.Version, strings.TrimSpace(string(date)))
	return b.goCmd(ctx, dir, x.Name, "build", "-trimpath", "-ldflags", ld, "-o", tmp, x.Package)
}

func (b *Builder) prepareKubeWrapper(ctx context.Context, dir, version string) error {
	if _, err := os.Stat(filepath.Join(dir, wrapperReady)); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	upstream, buildDate, err := b.downloadModule(ctx, "kubernetes-wrapper", "k8s.io/kubernetes@v"+version)
	if err != nil {
		return err
	}
	gomod, err := KubeWrapperGoMod(upstream, version)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "build-date"), []byte(buildDate+"\n"), 0o644); err != nil {
		return err
	}
	args := []string{"get"}
	for _, bin := range All() {
		if bin.Group == GroupKubernetes {
			args = append(args, bin.Package+"@v"+version)
		}
	}
	if err := b.goCmd(ctx, dir, "kubernetes-wrapper", args...); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, wrapperReady), nil, 0o644)
}

// downloadModule fetches mod (path@version) outside any module and returns its go.mod and
// its publication time, which wrappers stamp as the build date.
func (b *Builder) downloadModule(ctx context.Context, logName, mod string) (goMod []byte, released string, err error) {
	scratch := filepath.Join(b.Cache.Root, "build", "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, "", err
	}
	raw, err := b.goOutput(ctx, scratch, logName, "mod", "download", "-json", mod)
	if err != nil {
		return nil, "", err
	}
	var dl struct{ GoMod, Info, Error string }
	if err := json.Unmarshal(raw, &dl); err != nil {
		return nil, "", fmt.Errorf("parse `go mod download -json` output: %w", err)
	}
	if dl.Error != "" {
		return nil, "", fmt.Errorf("download %s: %s", mod, dl.Error)
	}
	if goMod, err = os.ReadFile(dl.GoMod); err != nil {
		return nil, "", err
	}
	released, err = releaseTime(dl.Info)
	return goMod, released, err
}

// releaseTime reads the module's publication time from its .info file so the
// stamped buildDate is reproducible.
func releaseTime(infoPath string) (string, error) {
	raw, err := os.ReadFile(infoPath)
	if err != nil {
		return "", err
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", fmt.Errorf("parse %s: %w", infoPath, err)
	}
	return info.Time.UTC().Format(time.RFC3339), nil
}

func (b *Builder) goInstall(ctx context.Context, x Binary, tmp string) error {
	gobin := tmp + ".d"
	_ = os.RemoveAll(gobin)
	defer os.RemoveAll(gobin)
	scratch := filepath.Join(b.Cache.Root, "build", "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return err
	}
	if err := b.goCmdEnv(ctx, scratch, x.Name, []string{"GOBIN=" + gobin},
		"install", "-trimpath", "-ldflags", installLDFlags(x), x.Package+"@v"+x.Version); err != nil {
		return err
	}
	return os.Rename(filepath.Join(gobin, x.Name), tmp)
}

func (b *Builder) env(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOMODCACHE", "GOCACHE", "CGO_ENABLED", "GOFLAGS", "GOWORK", "GO111MODULE", "GOBIN", "GOTOOLCHAIN":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"GOMODCACHE="+b.Cache.GoModCache(),
		"GOCACHE="+b.Cache.GoBuildCache(),
		"CGO_ENABLED=0", // static binaries
		"GOFLAGS=-buildvcs=false",
		"GOWORK=off",
		"GO111MODULE=on",
		"GOTOOLCHAIN=local",
	)
	return append(env, extra...)
}

func (b *Builder) goCmd(ctx context.Context, dir, logName string, args ...string) error {
	return b.goCmdEnv(ctx, dir, logName, nil, args...)
}

// goCmdEnv runs go, appending its output to logs/<logName>.log; on failure the
// error carries the log's tail so the cause is visible without opening it.
func (b *Builder) goCmdEnv(ctx context.Context, dir, logName string, extra []string, args ...string) error {
	logPath, f, err := b.openLog(logName)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ (cd %s && go %s)\n", dir, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = b.env(extra)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s\n(full log: %s)", args[0], err, tail(logPath, 25), logPath)
	}
	return nil
}

func (b *Builder) goOutput(ctx context.Context, dir, logName string, args ...string) ([]byte, error) {
	logPath, f, err := b.openLog(logName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ (cd %s && go %s)\n", dir, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = b.env(nil)
	cmd.Stderr = f
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s\n%s\n(full log: %s)", args[0], err, out, tail(logPath, 25), logPath)
	}
	return out, nil
}

func (b *Builder) openLog(name string) (string, *os.File, error) {
	dir := filepath.Join(b.Cache.Root, "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w (is the cache dir writable? set WEIR_CACHE_DIR)", dir, err)
	}
	p := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	return p, f, err
}

func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
