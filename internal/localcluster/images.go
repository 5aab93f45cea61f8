package localcluster

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// NormalizeImageName expands a reference the way containerd stores it:
// docker.io/library/ for short names and :latest when no tag or digest is given.
func NormalizeImageName(ref string) string {
	name := ref
	first, rest, hasSlash := strings.Cut(name, "/")
	if !hasSlash || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		if !hasSlash {
			name = "docker.io/library/" + name
		} else {
			name = "docker.io/" + name
		}
	} else if first == "index.docker.io" {
		name = "docker.io/" + rest
	}
	last := name[strings.LastIndex(name, "/")+1:]
	if !strings.Contains(last, ":") && !strings.Contains(name, "@") {
		name += ":latest"
	}
	return name
}

// ImageNamesInArchive lists the image names a docker-save or OCI-layout tarball
// carries (RepoTags, or the containerd / OCI ref-name annotations).
func ImageNamesInArchive(r io.Reader) ([]string, error) {
	tr := tar.NewReader(r)
	var names []string
	found := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read image archive: %w", err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			found = true
			var m []struct{ RepoTags []string }
			if err := json.NewDecoder(tr).Decode(&m); err != nil {
				return nil, fmt.Errorf("manifest.json: %w", err)
			}
			for _, e := range m {
				names = append(names, e.RepoTags...)
			}
		case "index.json":
			found = true
			var idx struct {
				Manifests []struct{ Annotations map[string]string }
			}
			if err := json.NewDecoder(tr).Decode(&idx); err != nil {
				return nil, fmt.Errorf("index.json: %w", err)
			}
			for _, m := range idx.Manifests {
				if n := m.Annotations["io.containerd.image.name"]; n != "" {
					names = append(names, n)
				} else if n := m.Annotations["org.opencontainers.image.ref.name"]; strings.ContainsAny(n, "/:") {
					names = append(names, n)
				}
			}
		}
	}
	if !found {
		return nil, errors.New("not an image archive: no manifest.json (docker save) or index.json (OCI layout)")
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = NormalizeImageName(n)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// ImportImage imports an image tarball into containerd's k8s.io namespace
// (the only one the CRI sees), unless every image it names is already there.
func ImportImage(ctx context.Context, l Layout, tarPath string) (imported bool, names []string, err error) {
	f, err := os.Open(tarPath)
	if err != nil {
		return false, nil, err
	}
	names, err = ImageNamesInArchive(f)
	f.Close()
	if err != nil {
		return false, nil, fmt.Errorf("%s: %w", tarPath, err)
	}
	if !exists(l.ContainerdSock()) {
		return false, names, fmt.Errorf("containerd of the local cluster is not running (no %s); run `weir local up` first", l.ContainerdSock())
	}
	have, err := ctr(ctx, l, "images", "ls", "-q")
	if err != nil {
		return false, names, err
	}
	present := map[string]bool{}
	for _, n := range strings.Fields(have) {
		present[n] = true
	}
	missing := len(names) == 0 // an archive without names: import, we cannot tell
	for _, n := range names {
		if !present[n] {
			missing = true
		}
	}
	if !missing {
		return false, names, nil
	}
	if _, err := ctr(ctx, l, "images", "import", tarPath); err != nil {
		return false, names, err
	}
	return true, names, nil
}
