package opconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

// File names the operator config is read from, as FKO's chart mounts them: config.yaml
// (Flink 2's nested YAML) or flink-conf.yaml (Flink 1's "key: value" lines). When both are
// present, config.yaml wins for the keys it sets.
const (
	FileConfigYAML = "config.yaml"
	FileFlinkConf  = "flink-conf.yaml"
)

// ReadDir reads the operator config files of dir, keyed by file name; a missing file is
// absent, a missing dir ("" included) is an empty config.
func ReadDir(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if dir == "" {
		return out, nil
	}
	for _, name := range []string{FileFlinkConf, FileConfigYAML} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("while reading operator config: %w", err)
		}
		out[name] = b
	}
	return out, nil
}

// Parse turns the files of ReadDir into flat "key: value" settings.
func Parse(files map[string][]byte) (map[string]string, error) {
	out := map[string]string{}
	if b, ok := files[FileFlinkConf]; ok {
		for k, v := range parseLegacy(string(b)) {
			out[k] = v
		}
	}
	if b, ok := files[FileConfigYAML]; ok {
		flat, err := parseNested(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", FileConfigYAML, err)
		}
		for k, v := range flat {
			out[k] = v
		}
	}
	return out, nil
}

// parseLegacy reads flink-conf.yaml the way Flink 1 does: one "key: value" per line, "#"
// starts a comment, lines without ": " are skipped.
func parseLegacy(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// parseNested reads config.yaml (nested or flat keys) with the same flattening as a
// resource's flinkConfiguration.
func parseNested(b []byte) (map[string]string, error) {
	if strings.TrimSpace(string(b)) == "" {
		return map[string]string{}, nil
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(j)) == "null" {
		return map[string]string{}, nil
	}
	var c v1beta1.ConfigObject
	if err := c.UnmarshalJSON(j); err != nil {
		return nil, err
	}
	return c.Flatten()
}
