package flinkdist

import (
	"fmt"
	"sort"
	"strings"
)

// pinned maps the Flink line (what image tags and FlinkDeployment specs say) to the exact
// release weir assembles. Only releases whose PyPI packages and every Maven artifact below
// are published are pinned: the newer 1.20.x and 2.x patches lack the S3 plugins or the
// streaming examples on Maven Central.
var pinned = map[string]string{
	"1.20": "1.20.0",
	"2.3":  "2.3.0",
}

// Lines returns the pinned Flink lines ("1.20", "2.3"), oldest first.
func Lines() []string {
	out := make([]string, 0, len(pinned))
	for l := range pinned {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return lessVersion(out[i], out[j]) })
	return out
}

// Resolve turns "1.20", "v1_20", "1.20.0" or "2.3" into the pinned full release.
func Resolve(v string) (string, error) {
	s := strings.TrimSpace(strings.ToLower(v))
	s = strings.TrimPrefix(s, "v")
	s = strings.ReplaceAll(s, "_", ".")
	if full, ok := pinned[s]; ok {
		return full, nil
	}
	for _, full := range pinned {
		if full == s {
			return full, nil
		}
	}
	return "", fmt.Errorf("flink version %q is not pinned; choose one of %s", v, strings.Join(Lines(), ", "))
}

// Line returns "1.20" for "1.20.0".
func Line(full string) string {
	parts := strings.SplitN(full, ".", 3)
	if len(parts) < 2 {
		return full
	}
	return parts[0] + "." + parts[1]
}

func lessVersion(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		_, _ = fmt.Sscan(pa[i], &x) // a non-numeric part counts as 0
		_, _ = fmt.Sscan(pb[i], &y)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}
