package controller

import (
	"encoding/json"
	"fmt"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// canonicalJSON renders a value with sorted keys, so that two specs compare equal when they
// mean the same, whatever order their flinkConfiguration keys came in.
func canonicalJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return "", err
	}
	b, err = json.Marshal(tree)
	return string(b), err
}

// sameSpec says whether two specs are the same once canonicalized.
func sameSpec[S any](a, b *S) (bool, error) {
	if a == nil || b == nil {
		return a == b, nil
	}
	ja, err := canonicalJSON(a)
	if err != nil {
		return false, fmt.Errorf("while comparing specs: %w", err)
	}
	jb, err := canonicalJSON(b)
	if err != nil {
		return false, fmt.Errorf("while comparing specs: %w", err)
	}
	return ja == jb, nil
}

func statusOf(obj any) any {
	switch o := obj.(type) {
	case *v1beta1.FlinkDeployment:
		return o.Status
	case *v1beta1.FlinkSessionJob:
		return o.Status
	case *v1beta1.FlinkStateSnapshot:
		return o.Status
	case *weirv1alpha1.FlinkProfile:
		return o.Status
	}
	return obj
}
