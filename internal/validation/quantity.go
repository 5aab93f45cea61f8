package validation

import "k8s.io/apimachinery/pkg/api/resource"

// validQuantity says whether s parses as a Kubernetes quantity such as "10Gi".
func validQuantity(s string) bool {
	_, err := resource.ParseQuantity(s)
	return err == nil
}
