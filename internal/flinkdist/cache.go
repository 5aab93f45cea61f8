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

// Dist is the assembled distribution (FLINK_HOME) for a full version.
func (l Layout) Dist(version string) string { return filepath.Join(l.Root, "flink", version, "dist") }

func (l Layout) lockFile(version string) string {
	return filepath.Join(l.Root, "flink", version, ".lock")
}

// PyPI is where the wheels and sdists of one version are kept.
func (l Layout) PyPI(version string) string {
	return filepath.Join(l.Root, "flink", "downloads", "pypi", version)
}

// MavenRepo is the Maven local repository used for Flink's jars.
func (l Layout) MavenRepo() string { return filepath.Join(l.Root, "flink", "downloads", "m2") }
