package opconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Config is one parsed operator configuration. The zero value is an empty one.
type Config struct {
	all map[string]string
}

// New wraps flat settings (from Parse) as a Config.
func New(flat map[string]string) *Config {
	c := &Config{all: map[string]string{}}
	for k, v := range flat {
		c.all[k] = v
	}
	return c
}

// Get returns the operator-level value of key.
func (c *Config) Get(key string) (string, bool) {
	if c == nil {
		return "", false
	}
	v, ok := c.all[key]
	return v, ok
}

// Flat returns a copy of every setting, as parsed.
func (c *Config) Flat() map[string]string {
	out := map[string]string{}
	if c != nil {
		for k, v := range c.all {
			out[k] = v
		}
	}
	return out
}

// Warnings names what in the config weir will not honour: unknown kubernetes.operator.*
// keys, and operator-only keys given as namespace or version defaults (which only set
// defaults of resources). They are logged, never silently dropped.
func (c *Config) Warnings() []string {
	var out []string
	for _, k := range sortedKeys(c.Flat()) {
		inner, scoped := scopedKey(k)
		switch {
		case scoped && inner == "":
			out = append(out, fmt.Sprintf("%s: no key after the namespace or version", k))
		case scoped && OperatorOnlyKey(inner):
			out = append(out, fmt.Sprintf("%s: %s is operator-only and cannot be a namespace or version default; ignored", k, inner))
		case scoped && IsOperatorKey(inner) && !Known(inner):
			out = append(out, fmt.Sprintf("%s: unknown operator key %s (not honoured by weir)", k, inner))
		case !scoped && IsOperatorKey(k) && !Known(k):
			out = append(out, fmt.Sprintf("unknown operator key %s (not honoured by weir)", k))
		}
	}
	return out
}

// scopedKey returns the key a namespace or version default sets.
func scopedKey(k string) (inner string, scoped bool) {
	for _, p := range []string{NamespaceDefaults, VersionDefaults} {
		if rest, ok := strings.CutPrefix(k, p); ok {
			_, inner, _ := strings.Cut(rest, ".")
			return inner, true
		}
	}
	return "", false
}

// Defaults returns the flinkConfiguration defaults of a resource in namespace running
// flinkVersion (e.g. "v1_20"), in FKO's order (its FlinkConfigManager.getDefaultConfig),
// each layer overriding the one before:
//
//	operator-wide defaults < namespace defaults < Flink-version defaults
//
// Version defaults written "v1_18+" apply to 1.18 and every later version, lower versions
// first, then the exact version. Operator-only keys are never defaults.
func (c *Config) Defaults(namespace, flinkVersion string) map[string]string {
	out := map[string]string{}
	all := c.Flat()
	for k, v := range all {
		if !OperatorOnlyKey(k) {
			out[k] = v
		}
	}
	type layer struct {
		order int
		kv    map[string]string
	}
	app, appOK := parseVersion(flinkVersion)
	var versions []layer
	byName := map[string]int{}
	nsLayer := map[string]string{}
	for _, k := range sortedKeys(all) {
		if rest, ok := strings.CutPrefix(k, VersionDefaults); ok {
			ver, inner, _ := strings.Cut(rest, ".")
			if inner == "" || OperatorOnlyKey(inner) {
				continue
			}
			order := -1
			if ver == flinkVersion {
				order = 1 << 30 // the exact version last
			} else if base, plus := strings.CutSuffix(ver, "+"); plus && appOK {
				if v, ok := parseVersion(base); ok && v <= app {
					order = v
				}
			}
			if order < 0 {
				continue
			}
			i, seen := byName[ver]
			if !seen {
				i = len(versions)
				byName[ver] = i
				versions = append(versions, layer{order: order, kv: map[string]string{}})
			}
			versions[i].kv[inner] = all[k]
		}
		if rest, ok := strings.CutPrefix(k, NamespaceDefaults); ok {
			ns, inner, _ := strings.Cut(rest, ".")
			if ns == namespace && inner != "" && !OperatorOnlyKey(inner) {
				nsLayer[inner] = all[k]
			}
		}
	}
	for k, v := range nsLayer {
		out[k] = v
	}
	sort.SliceStable(versions, func(i, j int) bool { return versions[i].order < versions[j].order })
	for _, l := range versions {
		for k, v := range l.kv {
			out[k] = v
		}
	}
	return out
}

// parseVersion turns "v1_20" into 1*1000+20.
func parseVersion(s string) (int, bool) {
	maj, min, ok := strings.Cut(strings.TrimPrefix(s, "v"), "_")
	if !ok {
		return 0, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 || b >= 1000 {
		return 0, false
	}
	return a*1000 + b, true
}

// Result is a resource's effective flinkConfiguration and what was wrong with its own.
type Result struct {
	Conf    map[string]string // defaults overridden by the resource's own keys
	Ignored []string          // operator-only keys the resource set: ignored
	Unknown []string          // kubernetes.operator.* keys the resource set that weir does not know
}

// Merge lays a resource's own flinkConfiguration over the defaults (the resource wins),
// dropping the operator-only keys it sets. Pure: neither map is changed.
func Merge(defaults, resource map[string]string) Result {
	r := Result{Conf: map[string]string{}}
	for k, v := range defaults {
		r.Conf[k] = v
	}
	for _, k := range sortedKeys(resource) {
		switch {
		case OperatorOnlyKey(k):
			r.Ignored = append(r.Ignored, k)
			continue
		case IsOperatorKey(k) && !Known(k):
			r.Unknown = append(r.Unknown, k)
		}
		r.Conf[k] = resource[k]
	}
	return r
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
