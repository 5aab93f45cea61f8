package jobexceptions

import (
	"strings"
	"testing"

	"weir.dev/weir/internal/flink/rest"
)

func history(entries ...rest.ExceptionEntry) *rest.JobExceptions {
	h := &rest.JobExceptions{}
	h.ExceptionHistory.Entries = entries
	return h
}

const trace = "java.lang.RuntimeException: boom password=hunter2\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n\tat a.B.e(B.java:3)"

func TestSinceReportsOnlyNewFailuresOldestFirst(t *testing.T) {
	// Flink lists the newest failure first.
	h := history(
		rest.ExceptionEntry{Timestamp: 3000, Stacktrace: trace, TaskName: "traits (1/2)", Endpoint: "10.0.0.7:6122"},
		rest.ExceptionEntry{Timestamp: 2000, ExceptionName: "java.lang.Error"},
		rest.ExceptionEntry{Timestamp: 1000, ExceptionName: "old"},
	)
	got, next := Since(h, 1000, 10, 1)
	if len(got) != 2 || got[0].Timestamp != 2000 || got[1].Timestamp != 3000 || next != 3000 {
		t.Fatalf("Since = %+v, next %d", got, next)
	}
	if got[0].Message != "Job exception at 1970-01-01T00:00:02Z: java.lang.Error" {
		t.Errorf("message without a trace: %q", got[0].Message)
	}
	m := got[1].Message
	for _, want := range []string{"in traits (1/2) on 10.0.0.7:6122", "RuntimeException: boom password=******", "B.java:1", "... 2 more lines"} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "hunter2") || strings.Contains(m, "B.java:2") {
		t.Errorf("message shows a secret or too many lines:\n%s", m)
	}
	// Nothing new: nothing reported, the mark stays.
	if again, n := Since(h, next, 10, 1); len(again) != 0 || n != 3000 {
		t.Errorf("second look reported %+v (next %d)", again, n)
	}
}

func TestSinceKeepsTheNewestWithinTheLimit(t *testing.T) {
	h := history(rest.ExceptionEntry{Timestamp: 3}, rest.ExceptionEntry{Timestamp: 2}, rest.ExceptionEntry{Timestamp: 1})
	got, next := Since(h, 0, 2, 0)
	if len(got) != 2 || got[0].Timestamp != 2 || got[1].Timestamp != 3 || next != 3 {
		t.Errorf("Since limit 2 = %+v, next %d", got, next)
	}
	if got, next := Since(h, 0, 0, 0); got != nil || next != 0 {
		t.Errorf("limit 0 must report nothing, got %+v next %d", got, next)
	}
	if got, next := Since(nil, 5, 10, 5); got != nil || next != 5 {
		t.Errorf("nil history: %+v next %d", got, next)
	}
}

func TestFailure(t *testing.T) {
	entry := func(ts int64, trace string) rest.ExceptionEntry {
		return rest.ExceptionEntry{Timestamp: ts, ExceptionName: "java.io.IOException", Stacktrace: trace}
	}
	hist := func(es ...rest.ExceptionEntry) *rest.JobExceptions {
		h := &rest.JobExceptions{}
		h.ExceptionHistory.Entries = es
		return h
	}
	cases := []struct {
		name string
		hist *rest.JobExceptions
		want string
	}{
		{"no history", nil, ""},
		{"empty history", hist(), ""},
		{"one line", hist(entry(1, "java.io.IOException: sink refused")), "java.io.IOException: sink refused"},
		{"the innermost cause", hist(entry(1, "org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.\n\tat x.Y(Y.java:1)\nCaused by: java.io.IOException: upload failed\n\tat a.B(B.java:2)\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist (Error Code: NoSuchBucket)\n\tat c.D(D.java:3)")),
			"org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.; root cause: com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist (Error Code: NoSuchBucket)"},
		{"the newest failure wins", hist(entry(1, "java.io.IOException: old"), entry(5, "java.io.IOException: new")), "java.io.IOException: new"},
		{"no trace: the exception's name", hist(rest.ExceptionEntry{Timestamp: 1, ExceptionName: "java.lang.OutOfMemoryError"}), "java.lang.OutOfMemoryError"},
		{"secrets hidden", hist(entry(1, "java.io.IOException: refused, password=hunter2")), "java.io.IOException: refused, password=******"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Failure(tc.hist); got != tc.want {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}
