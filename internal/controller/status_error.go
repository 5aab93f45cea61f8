package controller

import (
	"context"
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// statusError renders status.error the way FKO does: a JSON object with the exception type
// and message, so FKO-aware tooling can parse it.
func statusError(kind, message string) string {
	b, _ := json.Marshal(struct {
		Type          string   `json:"type"`
		Message       string   `json:"message"`
		ThrowableList []string `json:"throwableList"`
	}{Type: kind, Message: message, ThrowableList: []string{}})
	return string(b)
}

const (
	errTypeValidation = "org.apache.flink.kubernetes.operator.exception.ValidationException"
	errTypeReconcile  = "org.apache.flink.kubernetes.operator.exception.ReconciliationException"
)

// reportValidation records the outcome of validating obj's spec in its status.error
// (errorOf), the same way for every resource: an invalid spec's message, with a
// ValidationError Event and a log line when it is new; a spec valid again clears it.
// invalid says whether verr was set.
func reportValidation[T client.Object](ctx context.Context, c client.Client, rec record.EventRecorder, obj T,
	errorOf func(T) *string, verr error) (invalid bool, err error) {
	if verr == nil {
		return false, patchStatus(ctx, c, obj, func(o T) {
			if e := errorOf(o); strings.Contains(*e, errTypeValidation) {
				*e = "" // the spec is valid now
			}
		})
	}
	msg := verr.Error()
	e := statusError(errTypeValidation, msg)
	if *errorOf(obj) != e {
		rec.Event(obj, corev1.EventTypeWarning, ReasonValidationError, msg)
		log.FromContext(ctx).Info("Spec is invalid", "reason", msg)
	}
	return true, patchStatus(ctx, c, obj, func(o T) { *errorOf(o) = e })
}
