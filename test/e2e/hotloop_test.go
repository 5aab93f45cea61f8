package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/status"
)

// checkStopNotHot: while the app's last savepoint upgrade waited for its stop-with-savepoint,
// the operator looked at it about once per poll (5 s), not in a hot loop (each of its
// loops logs the stop it waits for). The bound counts the planned polls twice plus slack
// for the wake-ups of real changes, so only a loop many times faster fails it.
func checkStopNotHot(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName, since time.Time) {
	t.Helper()
	d, err := c.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	r := status.Rollouts(&d.Status.CommonStatus)
	if len(r) == 0 || r[len(r)-1].SavepointCompleted == 0 {
		t.Errorf("%s: no savepoint upgrade in status.weir.rollouts: %+v", key, r)
		return
	}
	e := r[len(r)-1]
	stop := time.Duration(e.SavepointCompleted-e.Started) * time.Millisecond
	loops := stopLoops(t, ctx, c, key, since)
	if limit := 2*int(stop/(5*time.Second)) + 10; loops > limit {
		t.Errorf("%s: %d loops waited for the %s stop-with-savepoint, want at most %d (one per 5 s poll and some): a hot loop", key, loops, stop.Round(time.Second), limit)
	}
	t.Logf("%s: %d loops during the %s stop-with-savepoint", key, loops, stop.Round(time.Second))
}

// stopLoops counts the operator's "Acting" log lines for key that wait for the old job's
// stop, logged since since.
func stopLoops(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName, since time.Time) int {
	t.Helper()
	pods, err := c.Core.CoreV1().Pods("weir-system").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=weir-operator"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("no operator pod: %v", err)
	}
	st := metav1.NewTime(since)
	raw, err := c.Core.CoreV1().Pods("weir-system").GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{SinceTime: &st}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var l struct {
			Msg, Namespace, Name, Action, Reason string
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "Acting" && l.Namespace == key.Namespace && l.Name == key.Name &&
			l.Action == "upgrade" && l.Reason == "upgrade in progress: stopping the old job" {
			n++
		}
	}
	return n
}
