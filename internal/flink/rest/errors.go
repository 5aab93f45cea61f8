package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a non-2xx answer from Flink. Messages holds Flink's own {"errors": [...]}
// entries verbatim (often Java stack traces); Error() condenses them to the useful lines.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	Messages   []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("flink rest %s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, e.Summary())
}

// Summary is Flink's message without stack frames: the first line of each entry plus the
// innermost "Caused by:" line, which is usually what explains a failed jar run.
func (e *Error) Summary() string {
	if len(e.Messages) == 0 {
		return http.StatusText(e.StatusCode)
	}
	parts := make([]string, 0, len(e.Messages))
	for _, m := range e.Messages {
		if s := condenseTrace(m); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return http.StatusText(e.StatusCode)
	}
	return strings.Join(parts, "; ")
}

// condenseTrace keeps the head line and the last "Caused by:" line of a Java trace.
func condenseTrace(trace string) string {
	lines := strings.Split(strings.TrimSpace(trace), "\n")
	// Flink wraps some server-side traces as "<Exception on server side:\n...\nEnd of
	// exception on server side>"; the exception itself is on the next line.
	if strings.HasPrefix(strings.TrimSpace(lines[0]), "<Exception on server side") && len(lines) > 1 {
		lines = lines[1:]
	}
	head := strings.TrimSpace(lines[0])
	cause := ""
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Caused by:") {
			cause = strings.TrimSpace(strings.TrimPrefix(l, "Caused by:"))
		}
	}
	if cause != "" && !strings.Contains(head, cause) {
		return head + " (caused by: " + cause + ")"
	}
	return head
}

// newError builds an Error from a response body; a body that is not Flink's error JSON
// (e.g. a proxy's HTML page) is kept, shortened, as the only message.
func newError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status}
	var fe struct {
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(body, &fe); err == nil && len(fe.Errors) > 0 {
		e.Messages = fe.Errors
	} else if s := strings.TrimSpace(string(body)); s != "" {
		e.Messages = []string{truncate(s, 500)}
	}
	return e
}

// TransportError is a failure to get any HTTP answer (refused, reset, timed out).
type TransportError struct {
	Method string
	Path   string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("flink rest %s %s: no answer from the JobManager (is it running and reachable?): %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status of a Flink error, or 0 if err is not one.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether Flink answered 404: unknown job, jar, trigger id or path.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsBadRequest reports an HTTP 400: Flink rejected the request itself.
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }

// IsUnavailable reports that no answer came or the JobManager said it is not ready (503,
// e.g. during leader election): worth trying again later.
func IsUnavailable(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	return statusRetryable(StatusCode(err))
}

// HasMessage reports whether any of Flink's error messages contains substr; Flink reports
// some conditions (duplicate job id, unknown job) only in the text.
func HasMessage(err error, substr string) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, m := range e.Messages {
		if strings.Contains(m, substr) {
			return true
		}
	}
	return false
}
