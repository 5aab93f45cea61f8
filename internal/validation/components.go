package validation

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

func sortStrings(s []string) { sort.Strings(s) }

func checkJobManager(p *problems, spec *v1beta1.FlinkDeploymentSpec, c flinkconf.Conf) {
	jm := spec.JobManager
	memDefined := jm != nil && (shortMemory(jm.Resource) || requirementsMemory(jm.Resources))
	if !memDefined && c[flinkconf.KeyJMMemory] == "" && c[flinkconf.KeyJMFlinkMemory] == "" && c[flinkconf.KeyJMHeapMemory] == "" {
		p.add("JobManager resource memory must be defined using `spec.jobManager.resource.memory` or `spec.jobManager.resources.requests.memory`")
	}
	if jm == nil {
		return
	}
	checkShort(p, "spec.jobManager.resource", jm.Resource)
	checkRequirements(p, "spec.jobManager.resources", jm.Resources)
	switch {
	case jm.Replicas < 0:
		p.add("JobManager replicas should not be configured less than one (spec.jobManager.replicas is %d)", jm.Replicas)
	case jm.Replicas > 1 && !c.HAEnabled():
		p.add("High availability should be enabled when starting standby JobManagers (spec.jobManager.replicas is %d): set high-availability.type: kubernetes and high-availability.storageDir", jm.Replicas)
	}
}

func checkTaskManager(p *problems, spec *v1beta1.FlinkDeploymentSpec, c flinkconf.Conf) {
	tm := spec.TaskManager
	memDefined := tm != nil && (shortMemory(tm.Resource) || requirementsMemory(tm.Resources))
	if !memDefined && c[flinkconf.KeyTMMemory] == "" && c[flinkconf.KeyTMFlinkMemory] == "" &&
		(c[flinkconf.KeyTMTaskHeap] == "" || c[flinkconf.KeyTMManaged] == "") {
		p.add("TaskManager resource memory must be defined using `spec.taskManager.resource.memory` or `spec.taskManager.resources.requests.memory`")
	}
	if tm == nil {
		return
	}
	checkShort(p, "spec.taskManager.resource", tm.Resource)
	checkRequirements(p, "spec.taskManager.resources", tm.Resources)
	if tm.Replicas != nil && *tm.Replicas < 1 {
		p.add("TaskManager replicas should not be configured less than one (spec.taskManager.replicas is %d)", *tm.Replicas)
	}
}

func shortMemory(r *v1beta1.Resource) bool { return r != nil && r.Memory != "" }

func requirementsMemory(r *v1beta1.ResourceRequirements) bool {
	if r == nil {
		return false
	}
	_, req := r.Requests[corev1.ResourceMemory]
	_, lim := r.Limits[corev1.ResourceMemory]
	return req || lim
}

func checkShort(p *problems, field string, r *v1beta1.Resource) {
	if r == nil {
		return
	}
	if r.Memory != "" {
		if _, err := flinkconf.ParseMemory(r.Memory); err != nil {
			p.add("%s.memory: %s", field, err.Error())
		}
	}
	if r.CPU != nil && !(*r.CPU > 0) {
		p.add("%s.cpu must be positive, got %v", field, *r.CPU)
	}
	if r.EphemeralStorage != "" {
		if !validQuantity(r.EphemeralStorage) {
			p.add("%s.ephemeralStorage %q is not a Kubernetes quantity such as \"10Gi\"", field, r.EphemeralStorage)
		}
	}
}

// checkRequirements reads every amount as the builders will (memory with Flink's syntax
// first) and checks signs and request <= limit.
func checkRequirements(p *problems, field string, r *v1beta1.ResourceRequirements) {
	if r == nil {
		return
	}
	read := map[string]corev1.ResourceList{}
	for _, part := range []struct {
		name string
		l    v1beta1.ResourceList
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		read[part.name] = corev1.ResourceList{}
		for _, k := range sortedResourceNames(part.l) {
			raw := string(part.l[k])
			if k == corev1.ResourceMemory {
				b, err := flinkconf.ParseMemory(raw)
				if err != nil {
					p.add("%s.%s.%s: %s", field, part.name, k, err.Error())
					continue
				}
				read[part.name][k] = *resource.NewQuantity(b, resource.BinarySI)
				continue
			}
			q, err := resource.ParseQuantity(raw)
			switch {
			case err != nil:
				p.add("%s.%s.%s %q is not a Kubernetes quantity such as \"500m\", \"2\" or \"10Gi\"", field, part.name, k, raw)
				continue
			case k == corev1.ResourceCPU && q.Sign() <= 0:
				p.add("%s.%s.%s must be positive, got %s", field, part.name, k, raw)
			case q.Sign() < 0:
				p.add("%s.%s.%s must not be negative, got %s", field, part.name, k, raw)
			}
			read[part.name][k] = q
		}
	}
	for _, k := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, ok1 := read["requests"][k]
		lim, ok2 := read["limits"][k]
		if ok1 && ok2 && req.Cmp(lim) > 0 {
			p.add("%s %s request (%s) must not exceed its limit (%s)", field, k, r.Requests[k], r.Limits[k])
		}
	}
}

func sortedResourceNames(l v1beta1.ResourceList) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(l))
	for k := range l {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
