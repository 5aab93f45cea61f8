package validation

import (
	"strings"
	"testing"
)

// A pod template that does not fit a core/v1 Pod is refused with the path of each problem,
// wherever the template is.
func TestPodTemplateDecodeProblems(t *testing.T) {
	cases := []struct {
		name, template string // under the field named first in want
		want           string
	}{
		{"containers as a string", "{spec: {containers: abc}}",
			"spec.podTemplate: spec.containers: expected an array, got a string"},
		{"limit that is not a quantity", "{spec: {containers: [{name: flink-main-container, resources: {limits: {memory: 2gb}}}]}}",
			`spec.podTemplate: spec.containers[0].resources.limits.memory: "2gb" is not a quantity`},
		{"misspelt field", "{spec: {nodeSelecter: {pool: flink}}}",
			"spec.podTemplate: spec.nodeSelecter: unknown field"},
	}
	for _, tc := range cases {
		for _, at := range []string{"spec.podTemplate", "spec.jobManager.podTemplate", "spec.taskManager.podTemplate"} {
			t.Run(tc.name+" in "+at, func(t *testing.T) {
				m := valid
				switch at {
				case "spec.podTemplate":
					m = strings.Replace(m, "  image:", "  podTemplate: "+tc.template+"\n  image:", 1)
				case "spec.jobManager.podTemplate":
					m = strings.Replace(m, "    resource: {memory: 2048m, cpu: 1}", "    resource: {memory: 2048m, cpu: 1}\n    podTemplate: "+tc.template, 1)
				default:
					m = strings.Replace(m, "    resource: {memory: 2g, cpu: 1}", "    resource: {memory: 2g, cpu: 1}\n    podTemplate: "+tc.template, 1)
				}
				err := Deployment(decodeDeployment(t, m))
				want := strings.Replace(tc.want, "spec.podTemplate", at, 1)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want %q", err, want)
				}
				if strings.Contains(err.Error(), "has no name") {
					t.Errorf("the incomplete template was checked further: %v", err)
				}
			})
		}
	}
}
