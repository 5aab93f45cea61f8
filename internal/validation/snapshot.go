package validation

import (
	"strings"

	"weir.dev/weir/api/v1beta1"
)

// StateSnapshot checks a FlinkStateSnapshot.
func StateSnapshot(s *v1beta1.FlinkStateSnapshot) error {
	if s == nil {
		return &Error{Problems: []string{"no FlinkStateSnapshot given"}}
	}
	var p problems
	spec := &s.Spec
	if (spec.Savepoint == nil) == (spec.Checkpoint == nil) {
		p.add("Exactly one of checkpoint or savepoint configurations has to be set.")
	}
	if sp := spec.Savepoint; sp != nil {
		switch sp.FormatType {
		case "", v1beta1.SavepointFormatCanonical, v1beta1.SavepointFormatNative:
		default:
			p.add("spec.savepoint.formatType %q is unknown; use CANONICAL or NATIVE", sp.FormatType)
		}
		if sp.AlreadyExists {
			if strings.TrimSpace(sp.Path) == "" {
				p.add("spec.savepoint.path must name the existing savepoint when alreadyExists is true")
			}
			return p.err() // an existing savepoint needs no job
		}
	}
	if b := spec.BackoffLimit; b != nil && *b < -1 {
		p.add("spec.backoffLimit must be -1 (retry forever) or more, got %d", *b)
	}
	ref := spec.JobReference
	if ref == nil {
		p.add("Job reference must be supplied for this snapshot: set spec.jobReference.kind and spec.jobReference.name")
		return p.err()
	}
	switch ref.Kind {
	case v1beta1.JobKindFlinkDeployment, v1beta1.JobKindFlinkSessionJob:
	default:
		p.add("spec.jobReference.kind %q is unknown; use FlinkDeployment or FlinkSessionJob", ref.Kind)
	}
	if ref.Name == "" {
		p.add("spec.jobReference.name must name the FlinkDeployment or FlinkSessionJob to snapshot")
	}
	return p.err()
}
