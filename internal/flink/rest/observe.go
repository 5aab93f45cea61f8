package rest

import (
	"context"
	"errors"
	"strings"
	"time"
)

// CallObserver is told of each finished call: its Operation, the time it took (retries
// included) and its error. The operator's metrics are one (internal/controller).
type CallObserver func(op string, took time.Duration, err error)

// ObserveCalls makes o hear of every call of c. Call it before c is used.
func (c *Client) ObserveCalls(o CallObserver) { c.observe = o }

// Operation names a call for a metric label: its method and path with every id replaced
// ("GET /jobs/:jobid/checkpoints"), so the set of names is as small as the client's calls.
func Operation(method, path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		switch {
		case isHex32(s) && i > 0 && segs[i-1] == "jobs":
			segs[i] = ":jobid"
		case isHex32(s):
			segs[i] = ":triggerid"
		case !isWord(s):
			segs[i] = ":id" // a jar id, a checkpoint number
		}
	}
	return method + " /" + strings.Join(segs, "/")
}

// isWord: Flink's literal path segments are lowercase words joined by '-'.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return true
}

// ErrorReason sorts a call's error into a few kinds for a metric label.
func ErrorReason(err error) string {
	var he *Error
	var te *TransportError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &he) && he.StatusCode >= 500:
		return "http_5xx"
	case errors.As(err, &he):
		return "http_4xx"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &te):
		return "transport"
	}
	return "other" // a request that could not be built, an answer that did not decode
}
