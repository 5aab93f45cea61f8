package controller

import "encoding/json"

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
