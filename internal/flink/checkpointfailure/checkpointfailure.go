// Package checkpointfailure says whether a job's checkpoints are failing and why, in the
// words of Flink's own exception. Flink's REST API only gives a failed checkpoint's outer
// message ("Failure to finalize checkpoint.", "Asynchronous task checkpoint failed."); the
// exception that names the cause (the S3 server's NoSuchBucket, a 403 for refused
// credentials) is only in the JobManager's log, under its report of that checkpoint. The
// package is pure: the controllers fetch the statistics and stream the log.
package checkpointfailure

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"strings"

	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/redact"
)

// Failing returns the newest failed checkpoint when no checkpoint has completed since it,
// nil when the job's checkpoints are fine (or it never checkpointed).
func Failing(cp *rest.CheckpointStats) *rest.CheckpointSummary {
	if cp == nil || cp.Latest.Failed == nil {
		return nil
	}
	f := cp.Latest.Failed
	if c := cp.Latest.Completed; c != nil && c.ID > f.ID {
		return nil
	}
	return f
}

// Message words the error of a job whose checkpoints fail: Flink's message for the
// newest failed checkpoint and, when the log gave it, the exception underneath. It names
// no checkpoint id, so it stays the same while the failure does.
func Message(f *rest.CheckpointSummary, cause string) string {
	msg := strings.TrimSpace(f.FailureMessage)
	if msg == "" {
		msg = "Flink gives no reason"
	}
	if cause != "" {
		msg += " Cause: " + cause
	}
	return redact.Text(msg)
}

// logLine is one line of weir's JSON log layout (resources/logconfig.go).
type logLine struct {
	Message   string `json:"message"`
	Exception string `json:"exception"`
}

// startsRecord tells a text-layout record's first line (it starts with its date) from the
// lines of the stack trace under it.
var startsRecord = regexp.MustCompile(`^\d{4}-\d\d-\d\d[ T]`)

// CauseInLog reads a JobManager log (weir's text or JSON layout, or Flink's default) and
// returns the innermost cause of the newest record about a checkpoint of job jobID that
// carries a stack trace: the JobManager's "Failed to trigger or complete checkpoint N for
// job …" and "Decline checkpoint N by task … of job …". "" when there is none.
func CauseInLog(r io.Reader, jobID string) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var found, header string
	var trace []string
	flush := func() {
		if header != "" && len(trace) > 0 {
			if c := innermost(trace); c != "" {
				found = c
			}
		}
		header, trace = "", nil
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "{") {
			flush()
			var l logLine
			if json.Unmarshal([]byte(line), &l) == nil && about(l.Message, jobID) && l.Exception != "" {
				header, trace = l.Message, strings.Split(l.Exception, "\n")
				flush()
			}
			continue
		}
		if startsRecord.MatchString(line) {
			flush()
			if about(line, jobID) {
				header = line
			}
			continue
		}
		if header != "" {
			trace = append(trace, line)
		}
	}
	flush()
	return tidy(found), sc.Err()
}

// about: a record on one of job's checkpoints.
func about(msg, jobID string) bool {
	return strings.Contains(msg, jobID) && strings.Contains(strings.ToLower(msg), "checkpoint ")
}

// innermost is the last top-level "Caused by" of a trace (nested ones are indented), else
// the exception's own line.
func innermost(trace []string) string {
	out := ""
	for _, l := range trace {
		switch {
		case strings.HasPrefix(l, "Caused by: "):
			out = strings.TrimPrefix(l, "Caused by: ")
		case out == "" && strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, " "):
			out = l
		}
	}
	return out
}

// requestIDs are the parts of an AWS error that change with every request; without them
// the message stays the same while the cause does, so status and Events do not churn.
var requestIDs = regexp.MustCompile(`;?\s*(S3 Extended Request ID|Request ID|Proxy): [^;)]*`)

// tidy drops Flink's wrapper of a remote exception, the request ids, and secrets.
func tidy(cause string) string {
	cause = strings.TrimSpace(strings.TrimPrefix(cause, "org.apache.flink.util.SerializedThrowable: "))
	cause = requestIDs.ReplaceAllString(cause, "")
	cause = strings.ReplaceAll(cause, "(; ", "(")
	return redact.Text(cause)
}
