package flinkconf

import (
	"k8s.io/apimachinery/pkg/api/resource"

	corev1 "k8s.io/api/core/v1"
)

// requestOrLimit returns the request for a resource, or its limit when no request is set
// (Kubernetes defaults requests to limits).
func requestOrLimit(r *corev1.ResourceRequirements, name corev1.ResourceName) (resource.Quantity, bool) {
	if q, ok := r.Requests[name]; ok {
		return q, true
	}
	q, ok := r.Limits[name]
	return q, ok
}

// limitFactor is limit / request, when both are set and the request is positive.
func limitFactor(r *corev1.ResourceRequirements, name corev1.ResourceName) (float64, bool) {
	req, ok1 := r.Requests[name]
	lim, ok2 := r.Limits[name]
	if !ok1 || !ok2 {
		return 0, false
	}
	rq, lm := req.AsApproximateFloat64(), lim.AsApproximateFloat64()
	if rq <= 0 {
		return 0, false
	}
	return lm / rq, true
}
