package resources

import (
	"fmt"
	"math"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// extraResources are the requests and limits other than cpu and memory (which travel
// through the Flink configuration): everything else from `resources`, or ephemeral storage
// from the short `resource` form.
func extraResources(res *v1beta1.ResourceRequirements, short *v1beta1.Resource) (req, lim corev1.ResourceList, err error) {
	if flinkconf.HasRequirements(res) {
		if req, err = flinkconf.Amounts(withoutCPUMemory(res.Requests)); err != nil {
			return nil, nil, fmt.Errorf("requests: %w", err)
		}
		if lim, err = flinkconf.Amounts(withoutCPUMemory(res.Limits)); err != nil {
			return nil, nil, fmt.Errorf("limits: %w", err)
		}
		return req, lim, nil
	}
	if short == nil || short.EphemeralStorage == "" {
		return nil, nil, nil
	}
	q, err := resource.ParseQuantity(short.EphemeralStorage)
	if err != nil {
		return nil, nil, fmt.Errorf("ephemeralStorage %q is not a Kubernetes quantity such as \"10Gi\"", short.EphemeralStorage)
	}
	one := corev1.ResourceList{corev1.ResourceEphemeralStorage: q}
	return one, one.DeepCopy(), nil
}

func withoutCPUMemory(l v1beta1.ResourceList) v1beta1.ResourceList {
	out := v1beta1.ResourceList{}
	for k, v := range l {
		if k != corev1.ResourceCPU && k != corev1.ResourceMemory {
			out[k] = v
		}
	}
	return out
}

// containerResources are the cpu and memory requests and limits of a JobManager or
// TaskManager container, from the Flink configuration, as Flink's own decorators compute
// them: memory in whole MiB of the process size, limits = request × limit factor.
func containerResources(c flinkconf.Conf, memKey, cpuKey, memFactorKey, cpuFactorKey string, defaultCPU float64) (req, lim corev1.ResourceList) {
	req, lim = corev1.ResourceList{}, corev1.ResourceList{}
	if v, ok := c[memKey]; ok {
		if b, err := flinkconf.ParseMemory(v); err == nil {
			mib := b >> 20
			req[corev1.ResourceMemory] = *resource.NewQuantity(mib<<20, resource.BinarySI)
			limMiB := float64(mib) * factor(c, memFactorKey)
			if limMiB > float64(math.MaxInt64>>21) {
				limMiB = float64(mib)
			}
			lim[corev1.ResourceMemory] = *resource.NewQuantity(int64(limMiB)<<20, resource.BinarySI)
		}
	}
	cpu := defaultCPU
	if v, ok := c[cpuKey]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && !math.IsInf(f, 0) {
			cpu = f
		}
	}
	if cpu > 0 && cpu < 1e9 {
		req[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(math.Round(cpu*1000)), resource.DecimalSI)
		lim[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(math.Round(cpu*factor(c, cpuFactorKey)*1000)), resource.DecimalSI)
	}
	return req, lim
}

func factor(c flinkconf.Conf, key string) float64 {
	if f, err := strconv.ParseFloat(c[key], 64); err == nil && f >= 1 && f < 1e6 {
		return f
	}
	return 1
}
