package controller_test

import (
	"fmt"
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
)

// A failed job says why in status.error, from Flink's exception history (the innermost
// cause, secrets hidden), and the error goes once a job runs again.
func TestFailedJobSaysWhyInStatusError(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic.yaml", "", nil)

	flink.setExceptions(url, `{"exceptionHistory":{"entries":[{"timestamp":1700000000000,"exceptionName":"org.apache.flink.util.FlinkRuntimeException",`+
		`"stacktrace":"org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.\n\tat x.Y(Y.java:1)\n`+
		`Caused by: com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist, secret=hunter2 (Error Code: NoSuchBucket)\n\tat a.B(B.java:2)"}],"truncated":false}}`)
	flink.setJob(url, "FAILED")
	want := "Job failed: org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.; root cause: " +
		"com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist, secret=****** (Error Code: NoSuchBucket)"
	waitFor(t, "the failure in status.error", func() error {
		d := getDeployment(t, ns, name)
		if d.Status.LifecycleState != v1beta1.LifecycleFailed || !strings.Contains(d.Status.Error, want) {
			return fmt.Errorf("lifecycle %s, error %q", d.Status.LifecycleState, d.Status.Error)
		}
		return nil
	})
	waitForEvents(t, ns, name, "NoSuchBucket")
	if d := getDeployment(t, ns, name); strings.Contains(d.Status.Error, "hunter2") {
		t.Fatalf("a secret reached status.error: %s", d.Status.Error)
	}

	flink.setExceptions(url, `{"exceptionHistory":{"entries":[],"truncated":false}}`)
	flink.setJob(url, "RUNNING")
	waitFor(t, "the error gone once the job runs", func() error {
		if d := getDeployment(t, ns, name); d.Status.Error != "" {
			return fmt.Errorf("error %q (job %s)", d.Status.Error, d.Status.JobStatus.State)
		}
		return nil
	})
}
