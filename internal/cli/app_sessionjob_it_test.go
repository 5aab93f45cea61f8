package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/testenv"
)

// sessionJobVerbs runs the verbs that wait, status and ui --address on the FlinkSessionJob
// team-b/etl (on the session cluster team-b/session) of TestAppVerbsAgainstAPIServer: they
// act on it as on a FlinkDeployment, print their progress on stderr and, when the wait
// ends without the operator, say what to do next. The test writes the statuses the
// operator would.
func sessionJobVerbs(t *testing.T, ctx context.Context, k ctrlclient.Client, run func(args ...string) (string, string, error)) {
	key := types.NamespacedName{Namespace: "team-b", Name: "etl"}
	// operator plays the operator once: it writes what set does to etl's status, for its
	// latest generation.
	operator := func(set func(*v1beta1.FlinkSessionJob)) {
		t.Helper()
		testenv.Eventually(t, "etl's status written", testenv.Poll{Interval: 100 * time.Millisecond}, func() error {
			j := &v1beta1.FlinkSessionJob{}
			if err := k.Get(ctx, key, j); err != nil {
				return err
			}
			j.Status.ObservedGeneration = j.Generation
			set(j)
			return k.Status().Update(ctx, j)
		})
	}

	out, _, err := run("status", "-n", "team-b")
	if err != nil || !strings.Contains(out, "etl ") || !strings.Contains(out, "on session") || !strings.Contains(out, "session ") {
		t.Errorf("status of namespace team-b should list the session cluster and its job: %v\n%s", err, out)
	}

	// A suspend the operator does not carry out: the wait says what it waits for and how long
	// it has waited, on stderr, and ends saying what to do next.
	out, errOut, err := run("suspend", "etl", "-n", "team-b", "--timeout", "2s")
	if err == nil || !strings.Contains(err.Error(), "weir app wait etl -n team-b --for SUSPENDED") ||
		!strings.Contains(err.Error(), "its session cluster, FlinkDeployment session") {
		t.Errorf("a suspend that times out should say how to wait again and show the session cluster: %v", err)
	}
	if !strings.Contains(out, "job.state=suspended") || strings.Contains(out, "waiting") {
		t.Errorf("stdout should hold the edit only:\n%s", out)
	}
	if !strings.Contains(errOut, "waiting up to 2s for team-b/etl: SUSPENDED") || !strings.Contains(errOut, "s] etl: lifecycle=") {
		t.Errorf("stderr should say what the wait is for and its progress:\n%s", errOut)
	}

	operator(func(j *v1beta1.FlinkSessionJob) {
		j.Status.LifecycleState, j.Status.JobStatus.State, j.Status.Error = v1beta1.LifecycleSuspended, "FINISHED", ""
	})
	if _, errOut, err := run("wait", "etl", "-n", "team-b", "--for", "SUSPENDED", "--timeout", "10s"); err != nil || !strings.Contains(errOut, "lifecycle=SUSPENDED") {
		t.Errorf("wait --for SUSPENDED of a suspended session job: %v\n%s", err, errOut)
	}

	// READY is the session cluster's readiness, as the job's condition says.
	if _, _, err := run("wait", "etl", "-n", "team-b", "--for", "READY", "--timeout", "1s"); err == nil {
		t.Error("READY without the SessionClusterReady condition")
	}
	operator(func(j *v1beta1.FlinkSessionJob) {
		j.Status.Conditions = []metav1.Condition{{Type: status.ConditionSessionClusterReady, Status: metav1.ConditionTrue,
			Reason: "SessionClusterReady", Message: "Session cluster is ready", LastTransitionTime: metav1.Now()}}
	})
	if _, _, err := run("wait", "etl", "-n", "team-b", "--for", "READY", "--timeout", "10s"); err != nil {
		t.Errorf("wait --for READY with the session cluster ready: %v", err)
	}

	// A savepoint: the operator records it once it sees the new nonce.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			j := &v1beta1.FlinkSessionJob{}
			if k.Get(ctx, key, j) != nil || j.Spec.Job.SavepointTriggerNonce == nil {
				continue
			}
			j.Status.ObservedGeneration = j.Generation
			j.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{
				TimeStamp: time.Now().UnixMilli(), Location: "s3://sp/etl/savepoint-1", TriggerType: "MANUAL"}}
			if k.Status().Update(ctx, j) == nil {
				return
			}
		}
	}()
	out, errOut, err = run("savepoint", "etl", "-n", "team-b", "--timeout", "30s")
	<-done
	if err != nil || !strings.Contains(out, "savepoint: s3://sp/etl/savepoint-1") || !strings.Contains(errOut, "a new savepoint in status") {
		t.Errorf("savepoint of a session job: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}

	// The UI's address is its session cluster's rest Service.
	if _, _, err := run("ui", "etl", "-n", "team-b", "--address"); err == nil || !strings.Contains(err.Error(), "session-rest") {
		t.Errorf("ui --address without the session cluster's rest Service: %v", err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "session-rest"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}}}}
	if err := k.Create(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run("ui", "etl", "-n", "team-b", "--address"); err != nil || !strings.HasPrefix(out, "http://10.") {
		t.Errorf("ui --address of a session job = %q, %v", out, err)
	}
}
