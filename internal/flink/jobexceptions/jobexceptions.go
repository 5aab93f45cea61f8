// Package jobexceptions picks, from a job's exception history, the failures not reported
// yet, and words each as FKO's JobException Event does: the exception, where it happened,
// and the first lines of its stack trace. It is pure: the controllers fetch the history and
// keep the timestamp of the newest failure reported.
package jobexceptions

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/redact"
)

// Defaults are FKO's kubernetes.operator.events.exceptions.* defaults.
const (
	DefaultLimit      = 10
	DefaultStackLines = 5
)

// Report is one failure to announce.
type Report struct {
	Timestamp int64 // ms since the epoch, as Flink gives it
	Message   string
}

// Since returns the failures of hist newer than since (ms), oldest first, at most limit of
// them (the newest ones when there are more), and the timestamp to pass as since next time.
// stackLines limits each message's stack trace; 0 leaves only the exception's first line.
func Since(hist *rest.JobExceptions, since int64, limit, stackLines int) ([]Report, int64) {
	if hist == nil || limit <= 0 {
		return nil, since
	}
	var fresh []rest.ExceptionEntry
	for _, e := range hist.ExceptionHistory.Entries {
		if e.Timestamp > since {
			fresh = append(fresh, e)
		}
	}
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].Timestamp < fresh[j].Timestamp })
	newest := since
	if n := len(fresh); n > 0 {
		newest = fresh[n-1].Timestamp
	}
	if len(fresh) > limit {
		fresh = fresh[len(fresh)-limit:]
	}
	out := make([]Report, 0, len(fresh))
	for _, e := range fresh {
		out = append(out, Report{Timestamp: e.Timestamp, Message: message(e, stackLines)})
	}
	return out, newest
}

// message: "Job exception at <time> in <task> on <where>: <trace head>", secrets hidden.
func message(e rest.ExceptionEntry, stackLines int) string {
	var b strings.Builder
	b.WriteString("Job exception at ")
	b.WriteString(time.UnixMilli(e.Timestamp).UTC().Format(time.RFC3339))
	if e.TaskName != "" {
		fmt.Fprintf(&b, " in %s", e.TaskName)
	}
	where := e.Endpoint
	if where == "" {
		where = e.Location
	}
	if where != "" {
		fmt.Fprintf(&b, " on %s", where)
	}
	b.WriteString(": ")
	lines := strings.Split(strings.TrimSpace(e.Stacktrace), "\n")
	if e.Stacktrace == "" {
		lines = []string{e.ExceptionName}
	}
	if n := 1 + stackLines; len(lines) > n {
		lines = append(lines[:n:n], fmt.Sprintf("\t... %d more lines", len(lines)-n))
	}
	b.WriteString(strings.Join(lines, "\n"))
	return redact.Text(b.String())
}

// Failure summarizes why a job failed from its newest failure: the exception's first line
// and, when it has causes, the innermost "Caused by" line, secrets hidden. "" when the
// history is empty. (A job failed by its checkpoints has none: Flink's "Exceeded checkpoint
// tolerable failure threshold" carries no cause; checkpointfailure finds it in the log.)
func Failure(hist *rest.JobExceptions) string {
	if hist == nil || len(hist.ExceptionHistory.Entries) == 0 {
		return ""
	}
	newest := hist.ExceptionHistory.Entries[0]
	for _, e := range hist.ExceptionHistory.Entries[1:] {
		if e.Timestamp > newest.Timestamp {
			newest = e
		}
	}
	lines := strings.Split(strings.TrimSpace(newest.Stacktrace), "\n")
	out := strings.TrimSpace(lines[0])
	if out == "" {
		out = newest.ExceptionName
	}
	for i := len(lines) - 1; i > 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "Caused by: ") {
			out += "; root cause: " + strings.TrimPrefix(l, "Caused by: ")
			break
		}
	}
	return redact.Text(out)
}
