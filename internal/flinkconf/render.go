package flinkconf

import (
	"fmt"
	"sort"
	"strings"

	"weir.dev/weir/api/v1beta1"
)

// Render writes c as the configuration file of a Flink version. Flink 1.x reads
// flink-conf.yaml line by line ("key: value", '#' starts a comment, no quoting), so values
// it cannot hold are an error. Flink 2.x reads config.yaml as standard YAML, which also
// accepts flat dotted keys; flat keys are used so that keys that are prefixes of others
// (high-availability.type, high-availability.storageDir, …) never clash, and every value
// is quoted when plain YAML would read it as something else.
func Render(version v1beta1.FlinkVersion, c Conf) (fileName, content string, err error) {
	ver, err := Lookup(version)
	if err != nil {
		return "", "", err
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := c[k]
		if ver.StandardYAML {
			b.WriteString(yamlKey(k))
			b.WriteString(": ")
			b.WriteString(yamlScalar(v))
			b.WriteByte('\n')
			continue
		}
		if err := legacyLineOK(k, v); err != nil {
			return "", "", err
		}
		if strings.TrimSpace(v) == "" {
			continue // the 1.x parser skips empty values anyway
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return ver.ConfigFile, b.String(), nil
}

// legacyLineOK says whether Flink 1.x's flink-conf.yaml parser reads key and value back.
func legacyLineOK(k, v string) error {
	switch {
	case strings.TrimSpace(k) == "":
		return fmt.Errorf("flinkConfiguration has an empty key")
	case strings.ContainsAny(k+v, "\n\r"):
		return fmt.Errorf("flinkConfiguration key %q: Flink 1.x's flink-conf.yaml cannot hold line breaks; use a single line", k)
	case strings.Contains(k+v, "#"):
		return fmt.Errorf("flinkConfiguration key %q: Flink 1.x's flink-conf.yaml treats '#' as the start of a comment, so this value would be cut; remove the '#' or use Flink 2.x", k)
	case strings.Contains(k, ": ") || strings.HasSuffix(k, ":"):
		return fmt.Errorf("flinkConfiguration key %q: a key cannot contain ': '", k)
	}
	return nil
}
