package image

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/hostfs"
)

//go:embed flink-entrypoint.sh
var flinkEntrypoint []byte

// FlinkHomeInImage is FLINK_HOME inside the image, as in the official one.
const FlinkHomeInImage = "/opt/flink"

// flinkRecipe changes when the Flink layer's layout changes.
const flinkRecipe = "flink-layer/1"

// Result is a built image archive.
type Result struct {
	Path string
	Refs []string
	// Cached is true when nothing had to be built.
	Cached bool
}

// flinkConfig is the image's runtime configuration, matching the official image's contract.
func flinkConfig() v1.Config {
	return v1.Config{
		Env: []string{
			"PATH=" + FlinkHomeInImage + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"JAVA_HOME=" + JavaHomeInBase,
			"FLINK_HOME=" + FlinkHomeInImage,
			"LANG=C.UTF-8",
		},
		Entrypoint:   []string{"/docker-entrypoint.sh"},
		Cmd:          []string{"help"},
		WorkingDir:   FlinkHomeInImage,
		ExposedPorts: map[string]struct{}{"6123/tcp": {}, "8081/tcp": {}},
		Labels:       map[string]string{"org.opencontainers.image.title": "flink", "dev.weir.built-by": "weir image build"},
	}
}

// flinkLayerKey names the Flink layer by its inputs: the distribution and the entrypoint.
func flinkLayerKey(distKey string, entrypoint []byte) string {
	h := sha256.New()
	fmt.Fprintln(h, flinkRecipe, distKey)
	h.Write(entrypoint)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// imageKey names an image archive by its layers' keys, its names and its config.
func imageKey(layerKeys, refs []string, cfg v1.Config) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		L, R []string
		C    v1.Config
	}{layerKeys, refs, cfg})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// FlinkImagePath is where the archive of a version would be, without building it.
func FlinkImagePath(cacheRoot, version string) (string, error) {
	full, err := flinkdist.Resolve(version)
	if err != nil {
		return "", err
	}
	distKey, _ := flinkdist.Key(full)
	refs, err := FlinkRefs(full)
	if err != nil {
		return "", err
	}
	baseKey := JavaBase.Key()
	key := imageKey([]string{baseKey, flinkLayerKey(distKey, flinkEntrypoint)}, refs, flinkConfig())
	return filepath.Join(cacheRoot, "images", fmt.Sprintf("flink-%s-%s.tar", full, key)), nil
}

// BuildFlink builds the Flink image of version ("1.20", "2.3") into the cache: the Debian
// Java base layer, then a layer with the distribution at /opt/flink (owned by the flink
// user) and /docker-entrypoint.sh. Every step is skipped when its output is cached.
func BuildFlink(ctx context.Context, cacheRoot, version string, p *Progress) (Result, error) {
	full, err := flinkdist.Resolve(version)
	if err != nil {
		return Result{}, err
	}
	out, err := FlinkImagePath(cacheRoot, full)
	if err != nil {
		return Result{}, err
	}
	refs, _ := FlinkRefs(full)
	if _, err := os.Stat(out); err == nil {
		p.Logf("flink %s: cached %s", full, out)
		return Result{Path: out, Refs: refs, Cached: true}, nil
	}
	home, err := flinkdist.Assemble(ctx, full, flinkdist.Options{CacheRoot: cacheRoot, Logf: p.Logf})
	if err != nil {
		return Result{}, err
	}
	base, err := ensureBaseLayer(ctx, cacheRoot, p)
	if err != nil {
		return Result{}, err
	}
	distKey, _ := flinkdist.Key(full)
	flinkLayer := filepath.Join(cacheRoot, "images", "layers", fmt.Sprintf("flink-%s-%s.tar.gz", full, flinkLayerKey(distKey, flinkEntrypoint)))
	if err := ensureLayer(flinkLayer, p, "flink "+full+" layer", func(lw *LayerWriter) error {
		return writeFlinkLayer(lw, home, JavaBase.FlinkUID)
	}); err != nil {
		return Result{}, err
	}
	start := time.Now()
	p.Logf("packing %s …", out)
	if err := writeArchive(out, Spec{Refs: refs, Layers: []string{base, flinkLayer}, Config: flinkConfig()}); err != nil {
		return Result{}, fmt.Errorf("pack flink %s image: %w", full, err)
	}
	p.Logf("packed flink %s in %.0fs: %s", full, time.Since(start).Seconds(), out)
	pruneStale(out, "flink-"+full+"-")
	pruneStale(flinkLayer, "flink-"+full+"-")
	return Result{Path: out, Refs: refs}, nil
}

// writeFlinkLayer lays out /opt/flink owned by the flink user, so a container running as
// uid 9999 can write log/ and enable plugins, plus the entrypoint.
func writeFlinkLayer(lw *LayerWriter, home string, uid int) error {
	owner := [2]int{uid, uid}
	if err := lw.AddTree(home, TreeOptions{Prefix: FlinkHomeInImage, Owner: &owner, ModTime: &fixedTime,
		Skip: func(rel string) bool { return rel == ".weir-dist" }}); err != nil {
		return err
	}
	return lw.AddFile(LayerFile{Path: "docker-entrypoint.sh", Mode: 0o755, Data: flinkEntrypoint})
}

// ensureBaseLayer returns the Debian Java base as a cached layer file.
func ensureBaseLayer(ctx context.Context, cacheRoot string, p *Progress) (string, error) {
	out := filepath.Join(cacheRoot, "images", "layers", "java17-base-"+JavaBase.Key()+".tar.gz")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	rootfs, err := JavaBase.EnsureRootfs(ctx, cacheRoot, p)
	if err != nil {
		return "", err
	}
	if err := ensureLayer(out, p, "Java base layer", func(lw *LayerWriter) error {
		return lw.AddTree(rootfs, TreeOptions{Skip: RootfsSkip})
	}); err != nil {
		return "", err
	}
	pruneStale(out, "java17-base-")
	return out, nil
}

// ensureLayer writes a layer file unless it exists; a lock keeps concurrent builds apart.
func ensureLayer(out string, p *Progress, what string, fill func(*LayerWriter) error) error {
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	unlock, err := hostfs.Lock(out + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	start := time.Now()
	p.Logf("writing %s …", what)
	if err := writeLayerFile(out, fill); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	st, _ := os.Stat(out)
	p.Logf("wrote %s (%d MiB) in %.0fs", what, st.Size()>>20, time.Since(start).Seconds())
	return nil
}
