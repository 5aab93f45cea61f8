package validation

import (
	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// checkPodTemplate catches what the API server would reject later on the Deployment,
// with the field the user wrote.
func checkPodTemplate(p *problems, field string, t *v1beta1.PodTemplate) {
	if t == nil {
		return
	}
	if problems := t.DecodeProblems(); len(problems) > 0 {
		// The rest of the template is incomplete; the checks below would only add noise.
		for _, m := range problems {
			p.add("%s: %s", field, m)
		}
		return
	}
	if t.Kind != "" && t.Kind != "Pod" {
		p.add("%s.kind is %q; a pod template is a Pod (or leave kind out)", field, t.Kind)
	}
	for i, c := range t.Spec.Containers {
		switch {
		case c.Name == "":
			p.add("%s.spec.containers[%d] has no name; name it (the Flink container is %q)", field, i, resources.MainContainer)
		case c.Name != resources.MainContainer && c.Image == "":
			p.add("%s.spec.containers[%d] (%s) has no image", field, i, c.Name)
		}
	}
	for i, c := range t.Spec.InitContainers {
		switch {
		case c.Name == "":
			p.add("%s.spec.initContainers[%d] has no name", field, i)
		case c.Image == "":
			p.add("%s.spec.initContainers[%d] (%s) has no image", field, i, c.Name)
		}
	}
}
