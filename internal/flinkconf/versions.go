package flinkconf

import (
	"fmt"
	"strings"

	"weir.dev/weir/api/v1beta1"
)

// Concept names a setting whose key differs between Flink versions.
type Concept int

const (
	HAType Concept = iota
	SavepointDir
	CheckpointDir
	CheckpointStorage
	CheckpointsRetained
	RestorePath
	RestoreIgnoreUnclaimed
	RestoreClaimMode
	numConcepts
)

// aliases lists every key a concept has had, in the order Flink resolves them (newest first).
// A user may write any of them; Build rewrites them to the key of the target version.
var aliases = [numConcepts][]string{
	HAType:                 {"high-availability.type", "high-availability"},
	SavepointDir:           {"execution.checkpointing.savepoint-dir", "state.savepoints.dir"},
	CheckpointDir:          {"execution.checkpointing.dir", "state.checkpoints.dir"},
	CheckpointStorage:      {"execution.checkpointing.storage", "state.checkpoint-storage"},
	CheckpointsRetained:    {"execution.checkpointing.num-retained", "state.checkpoints.num-retained"},
	RestorePath:            {"execution.state-recovery.path", "execution.savepoint.path"},
	RestoreIgnoreUnclaimed: {"execution.state-recovery.ignore-unclaimed-state", "execution.savepoint.ignore-unclaimed-state"},
	RestoreClaimMode:       {"execution.state-recovery.claim-mode", "execution.savepoint-restore-mode"},
}

// Version holds the facts about one Flink minor version that the operator depends on.
type Version struct {
	Name v1beta1.FlinkVersion
	// ConfigFile is the configuration file name in conf/.
	ConfigFile string
	// StandardYAML says whether ConfigFile is parsed as standard YAML (Flink 2's config.yaml)
	// rather than Flink 1's line-based "key: value" parser.
	StandardYAML bool
	// DefaultImage is used when spec.image is empty.
	DefaultImage string
	// ResourceRequirementsAPI says whether /jobs/:id/resource-requirements exists (1.18+).
	ResourceRequirementsAPI bool
	// keys is the key written for each Concept.
	keys [numConcepts]string
}

// Key returns the configuration key of a concept in this version.
func (v Version) Key(c Concept) string { return v.keys[c] }

// Aliases returns every key a concept may be written as, in any version.
func Aliases(c Concept) []string { return aliases[c] }

// The 1.x versions keep the old key names: they are understood by every 1.x release (as the
// main key or a deprecated one). 2.x uses the names introduced for Flink 2.
var keys1x = [numConcepts]string{
	HAType:                 "high-availability.type",
	SavepointDir:           "state.savepoints.dir",
	CheckpointDir:          "state.checkpoints.dir",
	CheckpointStorage:      "state.checkpoint-storage",
	CheckpointsRetained:    "state.checkpoints.num-retained",
	RestorePath:            "execution.savepoint.path",
	RestoreIgnoreUnclaimed: "execution.savepoint.ignore-unclaimed-state",
	RestoreClaimMode:       "execution.savepoint-restore-mode",
}

var keys2x = [numConcepts]string{
	HAType:                 "high-availability.type",
	SavepointDir:           "execution.checkpointing.savepoint-dir",
	CheckpointDir:          "execution.checkpointing.dir",
	CheckpointStorage:      "execution.checkpointing.storage",
	CheckpointsRetained:    "execution.checkpointing.num-retained",
	RestorePath:            "execution.state-recovery.path",
	RestoreIgnoreUnclaimed: "execution.state-recovery.ignore-unclaimed-state",
	RestoreClaimMode:       "execution.state-recovery.claim-mode",
}

func v1(name v1beta1.FlinkVersion, image string) Version {
	return Version{Name: name, ConfigFile: "flink-conf.yaml", DefaultImage: image,
		ResourceRequirementsAPI: true, keys: keys1x}
}

func v2(name v1beta1.FlinkVersion, image string) Version {
	return Version{Name: name, ConfigFile: "config.yaml", StandardYAML: true, DefaultImage: image,
		ResourceRequirementsAPI: true, keys: keys2x}
}

// Versions is every Flink version weir can run, oldest first. It is the one place that
// knows how versions differ.
var Versions = []Version{
	v1(v1beta1.FlinkVersion1_19, "flink:1.19"),
	v1(v1beta1.FlinkVersion1_20, "flink:1.20"),
	v2(v1beta1.FlinkVersion2_0, "flink:2.0"),
	v2(v1beta1.FlinkVersion2_1, "flink:2.1"),
	v2(v1beta1.FlinkVersion2_2, "flink:2.2"),
	v2(v1beta1.FlinkVersion2_3, "flink:2.3"),
	v2(v1beta1.FlinkVersion2_4, "flink:2.4"),
}

// Lookup returns the facts of a Flink version, or an error that says which versions exist.
func Lookup(v v1beta1.FlinkVersion) (Version, error) {
	for _, x := range Versions {
		if x.Name == v {
			return x, nil
		}
	}
	names := make([]string, len(Versions))
	for i, x := range Versions {
		names[i] = string(x.Name)
	}
	supported := strings.Join(names, ", ")
	if v == "" {
		return Version{}, fmt.Errorf("spec.flinkVersion must be set, to one of %s", supported)
	}
	if major, minor, err := v.MajorMinor(); err == nil && (major < 1 || (major == 1 && minor < 19)) {
		return Version{}, fmt.Errorf("flinkVersion %s is not supported by weir: the oldest supported version is v1_19; "+
			"upgrade the job to Flink 1.19 or newer (supported: %s)", v, supported)
	}
	return Version{}, fmt.Errorf("flinkVersion %q is not supported by weir (supported: %s)", v, supported)
}
