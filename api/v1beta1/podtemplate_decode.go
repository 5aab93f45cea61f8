package v1beta1

import (
	"bytes"
	"encoding/json"
)

// podTemplateFields is PodTemplate without its methods, to decode and encode its fields.
type podTemplateFields PodTemplate

// UnmarshalJSON decodes a pod template without ever failing: the template is schemaless in
// the CRD, so the API server accepts anything there, and an error would make the whole
// resource unreadable to the operator. It decodes strictly against core/v1 (a misspelt
// field such as nodeSelecter is a problem, not silently dropped); on any problem it keeps
// the fields that fit, the JSON as written, and the problems, which validation reports.
func (p *PodTemplate) UnmarshalJSON(b []byte) error {
	*p = PodTemplate{}
	t := bytes.TrimSpace(b)
	if bytes.Equal(t, []byte("null")) {
		return nil
	}
	var f podTemplateFields
	if problems := decodeLeniently(t, &f); len(problems) > 0 {
		f.raw, f.problems = string(t), problems
	}
	*p = PodTemplate(f)
	return nil
}

// MarshalJSON writes a template that had problems exactly as it was written, so that the
// operator never changes a user's spec (the finalizer update sends the spec back) and a
// template read back from status is the same template.
func (p PodTemplate) MarshalJSON() ([]byte, error) {
	if p.raw != "" {
		return []byte(p.raw), nil
	}
	return json.Marshal(podTemplateFields(p))
}

// DecodeProblems lists what did not fit a core/v1 Pod when the template was decoded, each
// with its path inside the template, e.g. "spec.containers: expected an array, got a string".
func (p *PodTemplate) DecodeProblems() []string {
	if p == nil {
		return nil
	}
	return p.problems
}
