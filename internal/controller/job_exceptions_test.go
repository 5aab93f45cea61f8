package controller_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A running job's failures become JobException Warning Events, as FKO announces them: each
// once, with its task and trace head, secrets in the trace hidden; a later failure gets its
// own Event.
func TestJobFailuresBecomeJobExceptionEvents(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic.yaml", "", nil)

	const first = `{"timestamp":1700000000000,"taskName":"traits (1/2)","endpoint":"10.0.0.7:6122",` +
		`"exceptionName":"java.io.IOException","stacktrace":"java.io.IOException: sink refused, password=hunter2\n\tat a.B.c(B.java:1)"}`
	flink.setExceptions(url, `{"exceptionHistory":{"entries":[`+first+`],"truncated":false}}`)
	waitForEvents(t, ns, name, "JobException: Job exception at 2023-11-14T22:13:20Z in traits (1/2) on 10.0.0.7:6122: java.io.IOException: sink refused, password=******")

	// Looking again announces nothing new...
	waitForObservations(t, url, 3)
	if n := jobExceptionCount(t, ns, name); n != 1 {
		t.Fatalf("%d JobException occurrences after three more looks, want 1", n)
	}
	// ...until the job fails again.
	second := `{"timestamp":1700000060000,"exceptionName":"java.lang.OutOfMemoryError","stacktrace":""}`
	flink.setExceptions(url, `{"exceptionHistory":{"entries":[`+second+`,`+first+`],"truncated":false}}`)
	waitForEvents(t, ns, name, "JobException: Job exception at 2023-11-14T22:14:20Z: java.lang.OutOfMemoryError")
	waitForObservations(t, url, 2)
	if n := jobExceptionCount(t, ns, name); n != 2 {
		t.Fatalf("%d JobException occurrences, want 2", n)
	}
	if ev := eventsFor(t, ns, name); strings.Contains(ev, "hunter2") {
		t.Fatalf("a secret reached an Event:\n%s", ev)
	}
}

// jobExceptionCount sums the occurrences of JobException Events (a repeated Event is one
// object with a count).
func jobExceptionCount(t *testing.T, ns, name string) int32 {
	t.Helper()
	evs := &corev1.EventList{}
	if err := k8s.List(context.Background(), evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var n int32
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == name && e.Reason == "JobException" {
			n += max(e.Count, 1)
		}
	}
	return n
}
