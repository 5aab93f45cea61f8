package resources

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
)

// MainContainer is the name Flink gives the container that runs the JobManager or
// TaskManager; pod templates refer to it by this name.
const MainContainer = "flink-main-container"

// MergePodTemplates layers overlay over base the way FKO does: objects merge key by key,
// scalars in overlay win, and lists merge element by element — by "name" when every
// element of both lists has one (containers, volumes, env, ports), else by position.
// byName=false forces positional merging (FKO's default). Neither input is changed.
func MergePodTemplates(base, overlay *v1beta1.PodTemplate, byName bool) (*v1beta1.PodTemplate, error) {
	if overlay == nil && base == nil {
		return nil, nil
	}
	if overlay == nil {
		return base.DeepCopy(), nil
	}
	if base == nil {
		return overlay.DeepCopy(), nil
	}
	to, err := toTree(base)
	if err != nil {
		return nil, err
	}
	from, err := toTree(overlay)
	if err != nil {
		return nil, err
	}
	mergeObject(to, from, byName)
	b, err := json.Marshal(to)
	if err != nil {
		return nil, fmt.Errorf("while merging pod templates: %w", err)
	}
	out := &v1beta1.PodTemplate{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("merged pod template does not decode: %w", err)
	}
	return out, nil
}

func toTree(p *v1beta1.PodTemplate) (map[string]any, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("pod template does not encode: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("pod template does not decode: %w", err)
	}
	return m, nil
}

func mergeObject(to, from map[string]any, byName bool) {
	for k, fv := range from {
		if fv == nil {
			continue // an unset field in the overlay keeps the base's value
		}
		tv := to[k]
		switch f := fv.(type) {
		case map[string]any:
			if t, ok := tv.(map[string]any); ok {
				mergeObject(t, f, byName)
				continue
			}
		case []any:
			if t, ok := tv.([]any); ok {
				to[k] = mergeList(t, f, byName)
				continue
			}
		}
		to[k] = fv
	}
}

func mergeList(to, from []any, byName bool) []any {
	if byName && allNamed(to) && allNamed(from) {
		index := map[string]int{}
		out := append([]any(nil), to...)
		for i, e := range out {
			index[e.(map[string]any)["name"].(string)] = i
		}
		for _, e := range from {
			fe := e.(map[string]any)
			n := fe["name"].(string)
			if i, ok := index[n]; ok {
				mergeObject(out[i].(map[string]any), fe, byName)
				continue
			}
			index[n] = len(out)
			out = append(out, fe)
		}
		return out
	}
	out := append([]any(nil), to...)
	for i, fe := range from {
		if i >= len(out) {
			out = append(out, fe)
			continue
		}
		tm, ok1 := out[i].(map[string]any)
		fm, ok2 := fe.(map[string]any)
		if ok1 && ok2 {
			mergeObject(tm, fm, byName)
		} else if fe != nil {
			out[i] = fe
		}
	}
	return out
}

func allNamed(list []any) bool {
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["name"].(string); !ok {
			return false
		}
	}
	return true
}

// componentTemplate is spec.podTemplate layered with the component's own podTemplate, with
// resources the Flink configuration does not carry (ephemeral storage, GPUs, …) put on the
// main container, as FKO does.
func componentTemplate(spec *v1beta1.FlinkDeploymentSpec, component string, byName bool) (*v1beta1.PodTemplate, error) {
	var own *v1beta1.PodTemplate
	var res *v1beta1.ResourceRequirements
	var short *v1beta1.Resource
	switch component {
	case ComponentJobManager:
		if jm := spec.JobManager; jm != nil {
			own, res, short = jm.PodTemplate, jm.Resources, jm.Resource
		}
	default:
		if tm := spec.TaskManager; tm != nil {
			own, res, short = tm.PodTemplate, tm.Resources, tm.Resource
		}
	}
	t, err := MergePodTemplates(spec.PodTemplate, own, byName)
	if err != nil {
		return nil, fmt.Errorf("%s pod template: %w", component, err)
	}
	if t == nil {
		t = &v1beta1.PodTemplate{}
	}
	extraReq, extraLim, err := extraResources(res, short)
	if err != nil {
		return nil, fmt.Errorf("%s resources: %w", component, err)
	}
	if len(extraReq)+len(extraLim) > 0 {
		c := mainContainerOf(&t.Spec)
		if c.Resources.Requests == nil && len(extraReq) > 0 {
			c.Resources.Requests = corev1.ResourceList{}
		}
		if c.Resources.Limits == nil && len(extraLim) > 0 {
			c.Resources.Limits = corev1.ResourceList{}
		}
		for k, v := range extraReq {
			c.Resources.Requests[k] = v
		}
		for k, v := range extraLim {
			c.Resources.Limits[k] = v
		}
	}
	return t, nil
}

// mainContainerOf returns the main container of spec, adding an empty one when missing.
func mainContainerOf(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == MainContainer {
			return &spec.Containers[i]
		}
	}
	spec.Containers = append(spec.Containers, corev1.Container{Name: MainContainer})
	return &spec.Containers[len(spec.Containers)-1]
}
