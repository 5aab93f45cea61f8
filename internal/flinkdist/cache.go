package flinkdist

import (
	"os"
	"path/filepath"
)

// CacheRoot is $WEIR_CACHE_DIR, default /var/cache/weir.
func CacheRoot() string {
	if d := os.Getenv("WEIR_CACHE_DIR"); d != "" {
		return d
	}
	return "/var/cache/weir"
}

// Layout names the cache paths for one cache root.
type Layout struct{ Root string }

// Dist is the assembled distribution (FLINK_HOME) for a full version and its Key. Keying the
// directory lets checkouts whose recipes differ (branches, an older CI clone) share one cache
// without replacing each other's distribution under a running Flink.
func (l Layout) Dist(version, key string) string {
	return filepath.Join(l.Root, "flink", version, "dist-"+key)
}

func (l Layout) lockFile(version string) string {
	return filepath.Join(l.Root, "flink", version, ".lock")
}

// PyPI is where the wheels and sdists of one version are kept.
func (l Layout) PyPI(version string) string {
	return filepath.Join(l.Root, "flink", "downloads", "pypi", version)
}

// MavenRepo is the Maven local repository used for Flink's jars.
func (l Layout) MavenRepo() string { return filepath.Join(l.Root, "flink", "downloads", "m2") }
