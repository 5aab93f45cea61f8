package validation

import "k8s.io/apimachinery/pkg/api/resource"

func parseQuantity(s string) (resource.Quantity, bool, error) {
	q, err := resource.ParseQuantity(s)
	return q, err == nil, err
}
