package resources

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"weir.dev/weir/internal/flinkconf"
)

// The footprint is what the builders' Deployments ask for: the main container's requests
// and limits times the replicas, in both modes.
func TestFootprint(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		pods           int64
		want           map[corev1.ResourceName]string
	}{
		{"native: parallelism 2 over 2 slots is one TaskManager", basic, 2,
			map[corev1.ResourceName]string{"requests.cpu": "2", "cpu": "2", "requests.memory": "4Gi", "memory": "4Gi", "limits.cpu": "2", "limits.memory": "4Gi"}},
		{"standalone, 3 TaskManagers, cpu limit factor", strings.NewReplacer(
			"  image:", "  mode: standalone\n  image:",
			"    taskmanager.numberOfTaskSlots: \"2\"", "    taskmanager.numberOfTaskSlots: \"2\"\n    kubernetes.taskmanager.cpu.limit-factor: \"2\"",
			"  taskManager:\n    resource:\n      memory: \"2048m\"\n      cpu: 1\n", "  taskManager:\n    replicas: 3\n    resource:\n      memory: \"1024m\"\n      cpu: 0.5\n",
		).Replace(basic), 4, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, tc.manifest)
			conf, err := flinkconf.Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			got := Footprint(&d.Spec, conf)
			if p := got[corev1.ResourcePods]; p.Value() != tc.pods {
				t.Errorf("pods %s, want %d", p.String(), tc.pods)
			}
			want := corev1.ResourceList{}
			for k, v := range tc.want {
				want[k] = resource.MustParse(v)
			}
			if tc.want == nil { // sum what the builders put in the Deployments
				s, err := Build(Input{Deployment: d, Spec: &d.Spec, Conf: conf})
				if err != nil {
					t.Fatal(err)
				}
				for _, dep := range []*appsv1.Deployment{s.JobManager, s.TaskManager} {
					c := mainOf(t, dep.Spec.Template)
					for i := int32(0); i < *dep.Spec.Replicas; i++ {
						for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
							add(want, r, c.Resources.Requests[r])
							add(want, "requests."+r, c.Resources.Requests[r])
							add(want, "limits."+r, c.Resources.Limits[r])
						}
					}
				}
				if tm := want["limits.cpu"]; tm.Cmp(want["requests.cpu"]) <= 0 {
					t.Fatalf("the limit factor did not apply: %v", want)
				}
			}
			for k, v := range want {
				if g := got[k]; g.Cmp(v) != 0 {
					t.Errorf("%s: %s, want %s", k, g.String(), v.String())
				}
			}
		})
	}
}

func add(l corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
	sum := l[name]
	sum.Add(q)
	l[name] = sum
}
