package binaries

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// EnsureEnvtest builds etcd, kube-apiserver and kubectl if needed and returns a
// directory holding exactly those three (symlinks), for KUBEBUILDER_ASSETS.
func (b *Builder) EnsureEnvtest(ctx context.Context) (string, error) {
	bins, err := Select(EnvtestNames...)
	if err != nil {
		return "", err
	}
	if err := b.Ensure(ctx, bins); err != nil {
		return "", err
	}
	dir := b.Cache.EnvtestDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	for _, x := range bins {
		target, link := b.Cache.Path(x), filepath.Join(dir, x.Name)
		if cur, err := os.Readlink(link); err == nil && cur == target {
			continue
		}
		tmp := link + ".tmp"
		_ = os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, link); err != nil {
			return "", err
		}
	}
	return dir, nil
}
