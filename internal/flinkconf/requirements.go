package flinkconf

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"weir.dev/weir/api/v1beta1"
)

// HasRequirements says whether `resources` sets anything (an empty `resources: {}` must not
// hide the short `resource` form).
func HasRequirements(r *v1beta1.ResourceRequirements) bool {
	return r != nil && (len(r.Requests) > 0 || len(r.Limits) > 0)
}

// Amount reads one amount of `resources` as FKO does: memory as Flink's MemorySize first, then
// as a Kubernetes quantity ("2048m" is 2048 MiB), anything else as a Kubernetes quantity.
func Amount(name corev1.ResourceName, raw string) (resource.Quantity, error) {
	if name == corev1.ResourceMemory {
		b, err := ParseMemory(raw)
		if err != nil {
			return resource.Quantity{}, err
		}
		return *resource.NewQuantity(b, resource.BinarySI), nil
	}
	q, err := resource.ParseQuantity(raw)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("%q is not a Kubernetes quantity such as \"500m\", \"2\" or \"10Gi\"", raw)
	}
	return q, nil
}

// Amounts converts a ResourceList with Amount.
func Amounts(l v1beta1.ResourceList) (corev1.ResourceList, error) {
	if l == nil {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for k, v := range l {
		q, err := Amount(k, string(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = q
	}
	return out, nil
}

// requestOrLimit returns the request for a resource, or its limit when no request is set
// (Kubernetes defaults requests to limits).
func requestOrLimit(r *v1beta1.ResourceRequirements, name corev1.ResourceName) (resource.Quantity, bool, error) {
	raw, ok := r.Requests.Get(name)
	if !ok {
		raw, ok = r.Limits.Get(name)
	}
	if !ok {
		return resource.Quantity{}, false, nil
	}
	q, err := Amount(name, raw)
	return q, true, err
}

// limitFactor is limit / request, when both are set, readable and the request is positive.
func limitFactor(r *v1beta1.ResourceRequirements, name corev1.ResourceName) (float64, bool) {
	rawReq, ok1 := r.Requests.Get(name)
	rawLim, ok2 := r.Limits.Get(name)
	if !ok1 || !ok2 {
		return 0, false
	}
	req, err1 := Amount(name, rawReq)
	lim, err2 := Amount(name, rawLim)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	rq, lm := req.AsApproximateFloat64(), lim.AsApproximateFloat64()
	if rq <= 0 {
		return 0, false
	}
	return lm / rq, true
}
