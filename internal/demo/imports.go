package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"weir.dev/weir/internal/image"
)

// importStamps records, per image name, which archive was last imported. Image names
// like localhost/weir/operator:dev are reused across builds, so presence alone cannot
// tell a stale image from the current one.
func (r *Runner) importStampFile() string {
	return filepath.Join(r.Layout().RunDir(), "imported-images.json")
}

func (r *Runner) readStamps() map[string]string {
	m := map[string]string{}
	if raw, err := os.ReadFile(r.importStampFile()); err == nil {
		_ = json.Unmarshal(raw, &m) // a corrupt stamp only costs a re-import
	}
	return m
}

func (r *Runner) writeStamps(m map[string]string) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(r.importStampFile(), raw, 0o644)
}

// StaleRefs lists the refs whose last imported archive is not archive.
func StaleRefs(stamps map[string]string, refs []string, archive string) []string {
	var out []string
	for _, ref := range refs {
		if stamps[ref] != filepath.Base(archive) {
			out = append(out, ref)
		}
	}
	return out
}

// importArchive imports an archive unless containerd already holds this very build.
func (r *Runner) importArchive(ctx context.Context, a image.Result) (bool, error) {
	stamps := r.readStamps()
	stale := StaleRefs(stamps, a.Refs, a.Path)
	if len(stale) == 0 {
		return false, nil
	}
	sock := r.Layout().ContainerdSock()
	if _, err := os.Stat(sock); err != nil {
		return false, fmt.Errorf("containerd of the local cluster is not running (no %s); run `weir local up` first", sock)
	}
	out, err := exec.CommandContext(ctx, "ctr", "--address", sock, "-n", "k8s.io", "images", "import", a.Path).CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("import %s: %w: %s", a.Path, err, strings.TrimSpace(string(out)))
	}
	for _, ref := range a.Refs {
		stamps[ref] = filepath.Base(a.Path)
	}
	return true, r.writeStamps(stamps)
}
