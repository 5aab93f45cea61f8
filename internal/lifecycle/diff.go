package lifecycle

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"weir.dev/weir/api/v1beta1"
)

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
		parts[i] = fmt.Sprintf("%s: %s -> %s", c.Path, orNone(c.Old), orNone(c.New))
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
	return ScaleContext{
		Mode:     mode,
		InPlace:  mode == v1beta1.ModeNative && adaptive && spec.FlinkVersion.AtLeast(1, 18),
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
		changes = append(changes, Change{Path: path, Type: classifyPath(path), Old: render(path, x), New: render(path, y)})
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

var secretKey = regexp.MustCompile(`(?i)(password|secret|token|credential|access[.-]?key|private[.-]?key)`)

// render shows a value in an event; configuration values that look like secrets are hidden.
func render(path string, v any) string {
	if v == nil {
		return ""
	}
	if strings.HasPrefix(path, "flinkConfiguration.") && secretKey.MatchString(path) {
		return "***"
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
