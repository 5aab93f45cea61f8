package image

import (
	"fmt"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"weir.dev/weir/internal/hostfs"
)

// Spec is an image to pack: gzip layer files, bottom first, and its runtime config.
type Spec struct {
	Refs   []string
	Layers []string
	Config v1.Config
}

// assemble builds the OCI image value for s.
func assemble(s Spec) (v1.Image, error) {
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for _, p := range s.Layers {
		l, err := tarball.LayerFromFile(p, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", p, err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = runtime.GOARCH, "linux"
	cf.Config = s.Config
	return mutate.ConfigFile(img, cf)
}

// writeArchive packs s as a docker-save tarball carrying every ref, atomically.
func writeArchive(out string, s Spec) error {
	img, err := assemble(s)
	if err != nil {
		return err
	}
	refs := map[name.Reference]v1.Image{}
	for _, r := range s.Refs {
		tag, err := name.NewTag(r)
		if err != nil {
			return fmt.Errorf("image name %q: %w", r, err)
		}
		refs[tag] = img
	}
	return hostfs.WriteAtomic(out, func(tmp string) error { return tarball.MultiRefWriteToFile(tmp, refs) })
}
