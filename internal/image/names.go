package image

import (
	"fmt"

	"github.com/distribution/reference"

	"weir.dev/weir/internal/flinkdist"
)

// OperatorRef is the operator image's name.
const OperatorRef = "localhost/weir/operator:dev"

// Normalize expands a short image reference ("flink:1.20") to the fully qualified name a
// container runtime stores and looks up, using the same rules as containerd.
func Normalize(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// FlinkRefs are the names of the Flink image for a pinned release: the normalized official
// tag of its line (so manifests saying image: flink:1.20 run unchanged) and weir's own
// exact-version name.
func FlinkRefs(full string) ([]string, error) {
	official, err := Normalize("flink:" + flinkdist.Line(full))
	if err != nil {
		return nil, err
	}
	return []string{official, "localhost/weir/flink:" + full}, nil
}
