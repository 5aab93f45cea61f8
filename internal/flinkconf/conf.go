package flinkconf

import (
	"strconv"
	"strings"
)

// Conf is an effective Flink configuration as flat dotted keys.
type Conf map[string]string

// Clone returns a copy of c (nil stays an empty Conf).
func (c Conf) Clone() Conf {
	out := make(Conf, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// setDefault sets key only when it is unset.
func (c Conf) setDefault(key, value string) {
	if _, ok := c[key]; !ok {
		c[key] = value
	}
}

// Int reads an integer key, def when unset or unreadable (validation reports the latter).
func (c Conf) Int(key string, def int) int {
	v, ok := c[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

// Slots is taskmanager.numberOfTaskSlots, 1 (Flink's default) when unset or not positive.
func (c Conf) Slots() int {
	if n := c.Int(KeySlots, 1); n > 0 {
		return n
	}
	return 1
}

// HAEnabled says whether a high-availability mode is configured, under any of its keys.
func (c Conf) HAEnabled() bool {
	for _, k := range Aliases(HAType) {
		if v, ok := c[k]; ok {
			return !strings.EqualFold(strings.TrimSpace(v), "none") && strings.TrimSpace(v) != ""
		}
	}
	return false
}

// Lookup returns the value of a concept under whichever of its keys is set.
func (c Conf) Lookup(concept Concept) (string, bool) {
	for _, k := range Aliases(concept) {
		if v, ok := c[k]; ok {
			return v, true
		}
	}
	return "", false
}

// Map reads one of Flink's map options ("k1:v1,k2:v2").
func (c Conf) Map(key string) map[string]string {
	v := strings.TrimSpace(c[key])
	if v == "" {
		return nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || strings.TrimSpace(k) == "" {
			continue
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return out
}

// WithPrefix returns the keys under prefix, with the prefix removed.
func (c Conf) WithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range c {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// JoinList writes a list option in Flink's legacy "a;b" form, quoting elements that hold a
// separator or a quote so Flink's splitter gives them back unchanged. Both the 1.x parser and
// 2.x's standard YAML (which falls back to this form for strings) read it.
func JoinList(elems []string) string {
	parts := make([]string, len(elems))
	for i, e := range elems {
		if strings.ContainsAny(e, ";'\"") || strings.TrimSpace(e) != e || e == "" {
			e = "'" + strings.ReplaceAll(e, "'", "''") + "'"
		}
		parts[i] = e
	}
	return strings.Join(parts, ";")
}
