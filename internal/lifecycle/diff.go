package lifecycle

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/redact"
)

// resourceRequirementsAPI reads from the per-version table whether Flink v rescales a
// running job through /jobs/:id/resource-requirements; an unknown version does not.
func resourceRequirementsAPI(v v1beta1.FlinkVersion) bool {
	x, err := flinkconf.Lookup(v)
	return err == nil && x.ResourceRequirementsAPI
}

// DiffType is how disruptive a spec change is; larger values win when several fields change.
type DiffType int

// Diff types, least to most disruptive (FKO's order).
const (
	// DiffIgnore: nothing to do for the running job (or handled elsewhere, e.g. job.state).
	DiffIgnore DiffType = iota
	// DiffScale: a parallelism/replica change that can be applied without a redeploy.
	DiffScale
	// DiffUpgrade: the job must be redeployed, carrying state per the upgrade mode.
	DiffUpgrade
	// DiffSavepointRedeploy: redeploy from job.initialSavepointPath (savepointRedeployNonce).
	DiffSavepointRedeploy
)

func (d DiffType) String() string {
	switch d {
	case DiffIgnore:
		return "IGNORE"
	case DiffScale:
		return "SCALE"
	case DiffUpgrade:
		return "UPGRADE"
	case DiffSavepointRedeploy:
		return "SAVEPOINT_REDEPLOY"
	}
	return fmt.Sprintf("DiffType(%d)", int(d))
}

// Change is one changed leaf of the spec, named by its JSON path (FKO style, without
// "spec."): "job.parallelism", "flinkConfiguration.taskmanager.numberOfTaskSlots".
type Change struct {
	Path     string
	Type     DiffType
	Old, New string // rendered values; secrets redacted; "" when absent
	// OnlyChanged: the values are never shown (job.args), only that they changed.
	OnlyChanged bool
	// Env names the pod environment variables whose values changed (shown by name only).
	Env []string
}

// String renders one change, e.g. "job.parallelism: 1 -> 2" or "job.args changed".
func (c Change) String() string {
	if c.OnlyChanged {
		return c.Path + " changed"
	}
	env := ""
	if len(c.Env) > 0 {
		env = "env " + strings.Join(c.Env, ", ") + " changed"
		if c.Old == c.New {
			return c.Path + ": " + env
		}
		env = " (" + env + ")"
	}
	return fmt.Sprintf("%s: %s -> %s%s", c.Path, orNone(c.Old), orNone(c.New), env)
}

// SpecDiff is the classified difference between two specs.
type SpecDiff struct {
	Type    DiffType
	Changes []Change
}

// Paths lists the changed field paths, sorted.
func (d SpecDiff) Paths() []string {
	out := make([]string, len(d.Changes))
	for i, c := range d.Changes {
		out[i] = c.Path
	}
	return out
}

// IsEmpty says whether nothing changed at all.
func (d SpecDiff) IsEmpty() bool { return len(d.Changes) == 0 }

// String renders the diff for the SpecChanged event, e.g.
// "UPGRADE change(s) detected: job.parallelism: 1 -> 2, image: a -> b".
func (d SpecDiff) String() string {
	if d.IsEmpty() {
		return "no changes"
	}
	parts := make([]string, len(d.Changes))
	for i, c := range d.Changes {
		parts[i] = c.String()
	}
	return d.Type.String() + " change(s) detected: " + strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// ScaleContext says which parallelism changes a running deployment can take in place.
type ScaleContext struct {
	Mode v1beta1.DeploymentMode
	// InPlace: native mode on Flink 1.18+ with the adaptive scheduler, rescaled through
	// /jobs/:id/resource-requirements.
	InPlace bool
	// Reactive: standalone with scheduler-mode reactive; parallelism follows TaskManagers.
	Reactive bool
}

// ScaleContextFor derives the context from the spec that will run.
func ScaleContextFor(spec *v1beta1.FlinkDeploymentSpec) ScaleContext {
	conf, _ := spec.FlinkConfiguration.Flatten() // invalid config is validation's to report
	mode := spec.EffectiveMode()
	adaptive := strings.EqualFold(conf[keyScheduler], "adaptive")
	reactive := strings.EqualFold(conf[keySchedulerMode], "reactive")
	inPlaceOn := !strings.EqualFold(strings.TrimSpace(conf[opconfig.InPlaceScaling]), "false")
	return ScaleContext{
		Mode:     mode,
		InPlace:  mode == v1beta1.ModeNative && adaptive && inPlaceOn && resourceRequirementsAPI(spec.FlinkVersion),
		Reactive: mode == v1beta1.ModeStandalone && reactive,
	}
}

// DiffDeployment classifies the change from old (last reconciled) to new (desired).
func DiffDeployment(old, new *v1beta1.FlinkDeploymentSpec) (SpecDiff, error) {
	sc := ScaleContextFor(new)
	return diffSpecs(normalizeDeployment(old), normalizeDeployment(new), func(path string) DiffType {
		return classify(path, sc)
	})
}

// DiffSessionJob classifies a session job change. A session job cannot be rescaled in place
// by the operator, so parallelism changes upgrade.
func DiffSessionJob(old, new *v1beta1.FlinkSessionJobSpec) (SpecDiff, error) {
	return diffSpecs(old, new, func(path string) DiffType {
		return classify(path, ScaleContext{})
	})
}

// normalizeDeployment fills defaults that do not change behaviour, so "" and "native"
// do not look like a change.
func normalizeDeployment(s *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	if s == nil {
		return nil
	}
	c := s.DeepCopy()
	c.Mode = c.EffectiveMode()
	return c
}

// diffSpecs compares the JSON trees of two specs; flinkConfiguration is compared flat so
// nested and dotted spellings of the same key are equal.
func diffSpecs[S any](old, new *S, classifyPath func(string) DiffType) (SpecDiff, error) {
	a, err := specTree(old)
	if err != nil {
		return SpecDiff{}, err
	}
	b, err := specTree(new)
	if err != nil {
		return SpecDiff{}, err
	}
	var changes []Change
	walk("", a, b, func(path string, x, y any) {
		changes = append(changes, describe(path, classifyPath(path), x, y))
	})
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	d := SpecDiff{Changes: changes}
	for _, c := range changes {
		d.Type = max(d.Type, c.Type)
	}
	return d, nil
}

func specTree[S any](s *S) (map[string]any, error) {
	if s == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("while diffing specs: %w", err)
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("while diffing specs: %w", err)
	}
	if raw, ok := tree["flinkConfiguration"]; ok {
		var co v1beta1.ConfigObject
		rb, _ := json.Marshal(raw)
		if err := co.UnmarshalJSON(rb); err != nil {
			return nil, err
		}
		flat, err := co.Flatten()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(flat))
		for k, v := range flat {
			m[k] = v
		}
		tree["flinkConfiguration"] = flatMap(m)
	}
	return tree, nil
}

// flatMap marks a map whose keys are whole dotted names (not nested further).
type flatMap map[string]any

// walk calls changed for every leaf path whose values differ. Lists are compared whole.
func walk(path string, a, b any, changed func(path string, x, y any)) {
	am, aIsMap := asMap(a)
	bm, bIsMap := asMap(b)
	if aIsMap || bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			walk(join(path, k), am[k], bm[k], changed)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		changed(path, a, b)
	}
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case flatMap:
		return m, true
	}
	return nil, false
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// valuesNeverShown are paths whose values may hold credentials in any form (program
// arguments), so a change to them is reported without values.
var valuesNeverShown = map[string]bool{"job.args": true}

// describe renders one changed leaf without secrets: sensitive flinkConfiguration values
// (redact.IsSensitiveKey), job arguments and pod environment values are never shown.
func describe(path string, t DiffType, x, y any) Change {
	c := Change{Path: path, Type: t}
	if valuesNeverShown[path] {
		c.OnlyChanged = true
		return c
	}
	if key, ok := strings.CutPrefix(path, "flinkConfiguration."); ok && redact.IsSensitiveKey(key) {
		c.Old, c.New = hideIfSet(x), hideIfSet(y)
		return c
	}
	c.Env = changedEnv(x, y)
	c.Old, c.New = render(hideEnvValues(x)), render(hideEnvValues(y))
	return c
}

func hideIfSet(v any) string {
	if v == nil {
		return ""
	}
	return redact.Hidden
}

// render shows a value in an event, cut to a readable length.
func render(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// hideEnvValues returns a copy of a JSON tree in which every value of an "env" list entry
// (a container's environment in a pod template) is hidden.
func hideEnvValues(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if list, ok := e.([]any); ok && k == "env" {
				hidden := make([]any, len(list))
				for i, item := range list {
					if m, ok := item.(map[string]any); ok {
						if _, has := m["value"]; has {
							mc := make(map[string]any, len(m))
							for mk, mv := range m {
								mc[mk] = mv
							}
							mc["value"] = redact.Hidden
							item = mc
						}
					}
					hidden[i] = item
				}
				out[k] = hidden
				continue
			}
			out[k] = hideEnvValues(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = hideEnvValues(e)
		}
		return out
	}
	return v
}

// changedEnv names the environment variables (of any container in the tree) whose value or
// source differs between x and y, sorted.
func changedEnv(x, y any) []string {
	a, b := map[string]string{}, map[string]string{}
	collectEnv(x, a)
	collectEnv(y, b)
	var names []string
	for n, v := range a {
		if w, ok := b[n]; !ok || w != v {
			names = append(names, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func collectEnv(v any, into map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if list, ok := e.([]any); ok && k == "env" {
				for _, item := range list {
					if m, ok := item.(map[string]any); ok {
						name, _ := m["name"].(string)
						b, _ := json.Marshal(m)
						into[name] = string(b)
					}
				}
				continue
			}
			collectEnv(e, into)
		}
	case []any:
		for _, e := range t {
			collectEnv(e, into)
		}
	}
}
