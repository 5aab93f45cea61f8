package flinkdist

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// FlattenConfig turns Flink's config.yaml (nested, flat, or mixed) into flat keys, the form
// in which configurations are merged. Lists become Flink's ';'-separated strings.
func FlattenConfig(data []byte) (map[string]string, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return nil, fmt.Errorf("parse Flink config: %w", err)
	}
	out := map[string]string{}
	flatten("", tree, out)
	return out, nil
}

func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, child, out)
		}
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = scalar(e)
		}
		out[prefix] = strings.Join(parts, ";")
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = scalar(t)
	}
}

func scalar(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(v)
}

// RenderConfig writes flat keys as config.yaml, which Flink 1.20 and 2.x both read, in a
// stable order.
func RenderConfig(c map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []byte
	for _, k := range keys {
		line, err := yaml.Marshal(map[string]string{k: c[k]})
		if err != nil {
			return nil, err
		}
		out = append(out, line...)
	}
	return out, nil
}

// DefaultConfig reads the distribution's own conf/config.yaml as flat keys. It carries the
// JVM --add-opens flags that Java 17 needs.
func DefaultConfig(home string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(home, "conf", "config.yaml"))
	if err != nil {
		return nil, err
	}
	return FlattenConfig(data)
}
