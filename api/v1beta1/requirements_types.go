package v1beta1

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ResourceRequirements are requests and limits like a container's, with each amount kept as
// written.
//
// Why not corev1.ResourceRequirements: FKO reads this memory with Flink's syntax first
// ("2048m" is 2048 MiB, not 2.048 bytes), and a core Quantity would both misread it and
// canonicalize the text ("4000m" becomes "4"). Same JSON fields and the same CRD schema.
type ResourceRequirements struct {
	// Limits describes the maximum amount of compute resources allowed.
	// +optional
	Limits ResourceList `json:"limits,omitempty"`
	// Requests describes the minimum amount of compute resources required.
	// +optional
	Requests ResourceList `json:"requests,omitempty"`
	// Claims lists the names of resources, defined in spec.resourceClaims, used by the container.
	// +optional
	// +listType=map
	// +listMapKey=name
	Claims []corev1.ResourceClaim `json:"claims,omitempty"`
}

// ResourceList maps a resource name (cpu, memory, ephemeral-storage, …) to its amount.
type ResourceList map[corev1.ResourceName]RawQuantity

// RawQuantity is an amount as written, a string or a number.
//
// Memory is read with Flink's syntax first, everything else as a Kubernetes quantity (see
// flinkconf). It is written back as a string.
//
// +kubebuilder:validation:Type=""
// +kubebuilder:validation:XIntOrString
// +kubebuilder:validation:Pattern=`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`
type RawQuantity string

// UnmarshalJSON keeps a number's text ("1", "0.5") as it appeared.
func (q *RawQuantity) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = RawQuantity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("a resource amount must be a string or a number, got %s", b)
	}
	*q = RawQuantity(n.String())
	return nil
}

// Get returns the amount of a resource and whether it is set.
func (l ResourceList) Get(name corev1.ResourceName) (string, bool) {
	q, ok := l[name]
	return string(q), ok
}
