package v1beta1

import (
	"encoding/json"
	"fmt"
)

// ReconciliationMetadata travels with a serialized spec in lastReconciledSpec, in FKO's
// "resource_metadata" wrapper, so FKO tools can read weir's status and the other way round.
type ReconciliationMetadata struct {
	APIVersion      string `json:"apiVersion,omitempty"`
	FirstDeployment bool   `json:"firstDeployment"`
	// Generation is weir's addition: the metadata.generation this spec came from.
	Generation int64 `json:"generation,omitempty"`
}

type specWithMeta[S any] struct {
	Spec S                      `json:"spec"`
	Meta ReconciliationMetadata `json:"resource_metadata"`
}

// WriteSpecWithMeta serializes a spec the way FKO stores lastReconciledSpec.
func WriteSpecWithMeta[S any](spec S, meta ReconciliationMetadata) (string, error) {
	b, err := json.Marshal(specWithMeta[S]{Spec: spec, Meta: meta})
	if err != nil {
		return "", fmt.Errorf("while serializing spec: %w", err)
	}
	return string(b), nil
}

// ReadSpecWithMeta parses a string written by WriteSpecWithMeta (or by FKO, including its
// older format without the wrapper). An empty string gives ok=false.
func ReadSpecWithMeta[S any](s string) (spec S, meta ReconciliationMetadata, ok bool, err error) {
	if s == "" {
		return spec, meta, false, nil
	}
	var probe map[string]json.RawMessage
	if err = json.Unmarshal([]byte(s), &probe); err != nil {
		return spec, meta, false, fmt.Errorf("while reading stored spec: %w", err)
	}
	if _, wrapped := probe["resource_metadata"]; !wrapped {
		delete(probe, "apiVersion")
		b, _ := json.Marshal(probe) // re-marshalling raw messages cannot fail
		err = json.Unmarshal(b, &spec)
		return spec, meta, err == nil, err
	}
	var w specWithMeta[S]
	if err = json.Unmarshal([]byte(s), &w); err != nil {
		return spec, meta, false, fmt.Errorf("while reading stored spec: %w", err)
	}
	return w.Spec, w.Meta, true, nil
}
