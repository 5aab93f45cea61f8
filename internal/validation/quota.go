package validation

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// quotaResources are the quota names an app's footprint speaks for (resources.Footprint).
var quotaResources = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true, corev1.ResourcePods: true,
	corev1.ResourceRequestsCPU: true, corev1.ResourceRequestsMemory: true,
	corev1.ResourceLimitsCPU: true, corev1.ResourceLimitsMemory: true,
}

// PodUsage is what pods hold of a namespace's compute quota, in the names a ResourceQuota
// uses, counted as the quota controller does for its unscoped compute resources: every pod
// not yet Succeeded or Failed, the sum of its containers' requests and limits.
func PodUsage(pods []corev1.Pod) corev1.ResourceList {
	out := corev1.ResourceList{}
	add := func(name corev1.ResourceName, q resource.Quantity) {
		sum := out[name]
		sum.Add(q)
		out[name] = sum
	}
	var n int64
	for i := range pods {
		p := &pods[i]
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		n++
		for _, c := range p.Spec.Containers {
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if q, ok := c.Resources.Requests[r]; ok {
					add(r, q)
					add("requests."+r, q)
				}
				if q, ok := c.Resources.Limits[r]; ok {
					add("limits."+r, q)
				}
			}
		}
	}
	out[corev1.ResourcePods] = *resource.NewQuantity(n, resource.DecimalSI)
	return out
}

// QuotaRefusal says which of a namespace's ResourceQuotas an app needing need would exceed,
// with used what the namespace's other pods hold (the app's own current pods excluded:
// an upgrade replaces them). Only unscoped quotas and the compute resources of
// quotaResources are checked; nil means the app fits.
func QuotaRefusal(namespace string, need corev1.ResourceList, quotas []corev1.ResourceQuota, used corev1.ResourceList) error {
	var problems []string
	for _, q := range quotas {
		if len(q.Spec.Scopes) > 0 || q.Spec.ScopeSelector != nil {
			continue // scoped quotas count pods by priority class or lifetime: not checked here
		}
		names := make([]string, 0, len(q.Spec.Hard))
		for r := range q.Spec.Hard {
			names = append(names, string(r))
		}
		sort.Strings(names)
		for _, name := range names {
			r := corev1.ResourceName(name)
			want, ok := need[r]
			if !quotaResources[r] || !ok {
				continue
			}
			hard := q.Spec.Hard[r]
			free := hard.DeepCopy()
			u := used[r]
			free.Sub(u)
			if want.Cmp(free) > 0 {
				if free.Sign() < 0 {
					free = resource.Quantity{}
				}
				problems = append(problems, fmt.Sprintf("ResourceQuota %q %s: the app needs %s, %s is free (hard %s, used by other pods %s)",
					q.Name, r, want.String(), free.String(), hard.String(), u.String()))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("the app does not fit the quota of namespace %s, so nothing is deployed: %s", namespace, strings.Join(problems, "; "))
}
