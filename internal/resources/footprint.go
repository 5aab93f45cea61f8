package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// Footprint is what the Flink containers of spec's cluster ask of the namespace, in the
// names a ResourceQuota uses: requests.cpu, requests.memory (and cpu, memory, their short
// names), limits.cpu, limits.memory and pods. JobManager replicas and TaskManager
// replicas (as the builders and Flink size them: spec.taskManager.replicas, else
// parallelism over slots) each count their main container; sidecars and init containers
// of the pod template are not counted. conf is flinkconf.Build's output for spec.
func Footprint(spec *v1beta1.FlinkDeploymentSpec, conf flinkconf.Conf) corev1.ResourceList {
	jmReplicas := int64(1)
	if jm := spec.JobManager; jm != nil && jm.Replicas > 0 {
		jmReplicas = int64(jm.Replicas)
	}
	tmReplicas := int64(flinkconf.TaskManagerReplicas(spec, conf))
	jmReq, jmLim := containerResources(conf, flinkconf.KeyJMMemory, flinkconf.KeyJMCPU, flinkconf.KeyJMMemLimit, flinkconf.KeyJMCPULimit, 1)
	tmReq, tmLim := containerResources(conf, flinkconf.KeyTMMemory, flinkconf.KeyTMCPU, flinkconf.KeyTMMemLimit, flinkconf.KeyTMCPULimit, float64(conf.Slots()))
	out := corev1.ResourceList{}
	add := func(name corev1.ResourceName, q resource.Quantity, n int64) {
		sum := out[name]
		for range n {
			sum.Add(q)
		}
		out[name] = sum
	}
	for _, part := range []struct {
		req, lim corev1.ResourceList
		n        int64
	}{{jmReq, jmLim, jmReplicas}, {tmReq, tmLim, tmReplicas}} {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := part.req[r]; ok {
				add(r, q, part.n)
				add("requests."+r, q, part.n)
			}
			if q, ok := part.lim[r]; ok {
				add("limits."+r, q, part.n)
			}
		}
	}
	out[corev1.ResourcePods] = *resource.NewQuantity(jmReplicas+tmReplicas, resource.DecimalSI)
	return out
}
