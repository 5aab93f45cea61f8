package checkpointfailure

import (
	"strings"
	"testing"

	"weir.dev/weir/internal/flink/rest"
)

const job = "969091c79bd68f21671a85d6dd2b2014"

// Excerpts of real JobManager logs (Flink 1.20, presto plugin, versitygw).
const textLog = `2026-12-06 07:53:23,572 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Triggering checkpoint 1 for job ` + job + `.
2026-12-06 07:53:24,013 WARN  org.apache.flink.runtime.checkpoint.CheckpointsCleaner       [] - Could not properly discard completed checkpoint 1.
com.amazonaws.services.s3.model.AmazonS3Exception: unrelated (Service: Amazon S3; Status Code: 500)
	at com.amazonaws.http.AmazonHttpClient$RequestExecutor.handleErrorResponse(AmazonHttpClient.java:1879) ~[?:?]
2026-12-06 07:53:24,001 WARN  org.apache.flink.runtime.checkpoint.CheckpointFailureManager [] - Failed to trigger or complete checkpoint 1 for job ` + job + `. (0 consecutive failed attempts so far)
org.apache.flink.runtime.checkpoint.CheckpointException: Failure to finalize checkpoint.
	at org.apache.flink.runtime.checkpoint.CheckpointCoordinator.finalizeCheckpoint(CheckpointCoordinator.java:1486) ~[flink-dist-1.20.0.jar:1.20.0]
Caused by: java.io.IOException: wrapper
	at x.y(Z.java:1)
	Suppressed: java.lang.Exception: nested
		Caused by: java.lang.Exception: nested cause
Caused by: com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket; Request ID: OXYE8L1AH8XLOGNW; S3 Extended Request ID: 9aAtBvVJr0Fj+0PMbT07It0=; Proxy: null)
	at com.amazonaws.http.AmazonHttpClient$RequestExecutor.handleErrorResponse(AmazonHttpClient.java:1879) ~[?:?]
	... 4 more
2026-12-06 07:53:33,576 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Decline checkpoint 7 by task abc of job 00000000000000000000000000000000 at 127.0.0.1.
org.apache.flink.runtime.checkpoint.CheckpointException: Asynchronous task checkpoint failed.
Caused by: org.apache.flink.util.SerializedThrowable: another job's cause
2026-12-06 07:53:34,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job switched to RESTARTING.
`

func TestCauseInLog(t *testing.T) {
	declined := `2026-12-06 07:55:53,465 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Decline checkpoint 1 by task e7 of job ` + job + ` at 127.0.0.1:43115.
org.apache.flink.runtime.checkpoint.CheckpointException: Asynchronous task checkpoint failed.
	at x.y(Z.java:1)
Caused by: org.apache.flink.util.SerializedThrowable: com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403; Error Code: 403 Forbidden; Request ID: L37VPBHB0X313WU1; S3 Extended Request ID: DbwD=; Proxy: null)
	at x.y(Z.java:1)
`
	jsonLog := `{"@timestamp":"2026-12-06T07:53:24.001Z","level":"WARN","logger":"org.apache.flink.runtime.checkpoint.CheckpointFailureManager","thread":"t","message":"Failed to trigger or complete checkpoint 3 for job ` + job + `. (0 consecutive failed attempts so far)","exception":"org.apache.flink.runtime.checkpoint.CheckpointException: Failure to finalize checkpoint.\n\tat a.b(C.java:1)\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: X; S3 Extended Request ID: Y; Proxy: null)\n\tat a.b(C.java:1)\n"}
{"@timestamp":"2026-12-06T07:53:25.001Z","level":"INFO","logger":"l","thread":"t","message":"Job switched to RESTARTING.","exception":""}
`
	for name, c := range map[string]struct{ log, want string }{
		"text, the newest checkpoint report of this job": {textLog,
			"com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)"},
		"a task's decline, Flink's wrapper dropped": {textLog + declined,
			"com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403; Error Code: 403 Forbidden)"},
		"JSON layout": {jsonLog,
			"com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)"},
		"no report of this job": {strings.ReplaceAll(textLog, job, "11111111111111111111111111111111"), ""},
		"secrets hidden": {"2026-12-06 07:53:24,001 WARN x [] - Failed to trigger or complete checkpoint 1 for job " + job + ".\nCaused by: java.io.IOException: bad s3.secret-key=hunter2\n",
			"java.io.IOException: bad s3.secret-key=******"},
	} {
		got, err := CauseInLog(strings.NewReader(c.log), job)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", name, got, err, c.want)
		}
	}
}

func TestFailing(t *testing.T) {
	cp := func(completed, failed int64) *rest.CheckpointStats {
		var s rest.CheckpointStats
		if completed > 0 {
			s.Latest.Completed = &rest.CheckpointSummary{ID: completed}
		}
		if failed > 0 {
			s.Latest.Failed = &rest.CheckpointSummary{ID: failed, FailureMessage: "Failure to finalize checkpoint."}
		}
		return &s
	}
	for _, c := range []struct {
		stats *rest.CheckpointStats
		want  int64
	}{{nil, 0}, {cp(0, 0), 0}, {cp(3, 0), 0}, {cp(0, 2), 2}, {cp(3, 5), 5}, {cp(6, 5), 0}} {
		got := Failing(c.stats)
		if (got == nil && c.want != 0) || (got != nil && got.ID != c.want) {
			t.Errorf("%+v: got %+v, want checkpoint %d", c.stats, got, c.want)
		}
	}
	if m := Message(cp(0, 5).Latest.Failed, "x: y"); m != "Failure to finalize checkpoint. Cause: x: y" {
		t.Errorf("Message: %q", m)
	}
}
