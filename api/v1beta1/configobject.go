package v1beta1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ConfigObject holds flinkConfiguration as written: either a flat map of dotted keys
// ("taskmanager.numberOfTaskSlots": "2") or nested YAML (taskmanager: {numberOfTaskSlots: 2}),
// or a mix of both, as FKO accepts. The raw JSON is kept so that lastReconciledSpec shows
// what the user wrote; Flatten gives the flat view every consumer works with.
//
// +kubebuilder:validation:Type=object
// +kubebuilder:pruning:PreserveUnknownFields
type ConfigObject struct {
	raw []byte
}

// NewConfigObject builds a ConfigObject from a flat map.
func NewConfigObject(flat map[string]string) ConfigObject {
	b, _ := json.Marshal(flat) // a map[string]string always marshals
	return ConfigObject{raw: b}
}

// MarshalJSON implements json.Marshaler.
func (c ConfigObject) MarshalJSON() ([]byte, error) {
	if len(c.raw) == 0 {
		return []byte("{}"), nil
	}
	return c.raw, nil
}

// UnmarshalJSON implements json.Unmarshaler; it accepts a JSON object or null.
func (c *ConfigObject) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if bytes.Equal(t, []byte("null")) {
		c.raw = nil
		return nil
	}
	if len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("flinkConfiguration must be an object of keys to values, got %.40s", string(t))
	}
	var probe map[string]any
	if err := json.Unmarshal(t, &probe); err != nil {
		return fmt.Errorf("flinkConfiguration: %w", err)
	}
	c.raw = append([]byte(nil), t...)
	return nil
}

// DeepCopyInto copies c into out.
func (c *ConfigObject) DeepCopyInto(out *ConfigObject) {
	out.raw = append([]byte(nil), c.raw...)
}

// DeepCopy returns a copy of c.
func (c *ConfigObject) DeepCopy() *ConfigObject {
	if c == nil {
		return nil
	}
	out := new(ConfigObject)
	c.DeepCopyInto(out)
	return out
}

// IsEmpty says whether no key is set.
func (c ConfigObject) IsEmpty() bool {
	m, err := c.Flatten()
	return err != nil || len(m) == 0
}

// Flatten returns the configuration as flat dotted keys with string values. Nested objects
// join their keys with dots; lists become Flink's "a;b" form; numbers and booleans are
// printed as Flink would parse them.
func (c ConfigObject) Flatten() (map[string]string, error) {
	out := map[string]string{}
	if len(c.raw) == 0 {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.raw))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("flinkConfiguration: %w", err)
	}
	if err := flattenInto(out, "", tree); err != nil {
		return nil, err
	}
	return out, nil
}

func flattenInto(out map[string]string, prefix string, node map[string]any) error {
	keys := make([]string, 0, len(node))
	for k := range node {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic conflict reporting
	for _, k := range keys {
		full := k
		if prefix != "" {
			full = prefix + "." + k
		}
		if child, ok := node[k].(map[string]any); ok {
			if err := flattenInto(out, full, child); err != nil {
				return err
			}
			continue
		}
		s, err := scalarString(node[k])
		if err != nil {
			return fmt.Errorf("flinkConfiguration key %q: %w", full, err)
		}
		if prev, dup := out[full]; dup && prev != s {
			// Only the key: the values may be secrets, and this message reaches status.error.
			return fmt.Errorf("flinkConfiguration key %q is set twice (flat and nested) to different values", full)
		}
		out[full] = s
	}
	return nil
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case json.Number:
		return t.String(), nil
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			if _, nested := e.(map[string]any); nested {
				s, err := json.Marshal(e)
				if err != nil {
					return "", err
				}
				parts = append(parts, string(s))
				continue
			}
			s, err := scalarString(e)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ";"), nil
	default:
		return "", fmt.Errorf("unsupported value of type %T", v)
	}
}
