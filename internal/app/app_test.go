package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

func dep(gen, observed int64, mut func(*v1beta1.FlinkDeploymentStatus)) *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Name: "x", Generation: gen}}
	d.Status.ObservedGeneration = observed
	if mut != nil {
		mut(&d.Status)
	}
	return d
}

func TestReached(t *testing.T) {
	running := func(s *v1beta1.FlinkDeploymentStatus) { s.JobStatus.State = "RUNNING" }
	for _, tc := range []struct {
		name string
		d    *v1beta1.FlinkDeployment
		t    Target
		want bool
	}{
		{"running", dep(2, 2, running), TargetRunning, true},
		{"running for an older spec", dep(3, 2, running), TargetRunning, false},
		{"created", dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) { s.JobStatus.State = "CREATED" }), TargetRunning, false},
		{"stable", dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) { s.LifecycleState = v1beta1.LifecycleStable }), TargetStable, true},
		{"deployed is not stable", dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) { s.LifecycleState = v1beta1.LifecycleDeployed }), TargetStable, false},
		{"suspended", dep(4, 4, func(s *v1beta1.FlinkDeploymentStatus) {
			s.LifecycleState, s.JobStatus.State = v1beta1.LifecycleSuspended, "FINISHED"
		}), TargetSuspended, true},
		{"suspend recorded, job still running", dep(4, 4, func(s *v1beta1.FlinkDeploymentStatus) {
			s.LifecycleState, s.JobStatus.State = v1beta1.LifecycleSuspended, "RUNNING"
		}), TargetSuspended, false},
		{"jm ready", dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) { s.JobManagerDeploymentStatus = v1beta1.JMReady }), TargetReady, true},
		{"jm deploying", dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) { s.JobManagerDeploymentStatus = v1beta1.JMDeploying }), TargetReady, false},
	} {
		if got := Reached(tc.d, tc.t); got != tc.want {
			t.Errorf("%s: Reached(%s) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
}

func TestReachedSessionJob(t *testing.T) {
	job := func(gen, observed int64, cond metav1.ConditionStatus) App {
		j := &v1beta1.FlinkSessionJob{ObjectMeta: metav1.ObjectMeta{Name: "etl", Generation: gen},
			Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{}}}
		j.Status.ObservedGeneration, j.Status.JobStatus.State = observed, "RUNNING"
		if cond != "" {
			j.Status.Conditions = []metav1.Condition{{Type: "SessionClusterReady", Status: cond}}
		}
		return appOf(j)
	}
	for _, tc := range []struct {
		name string
		a    App
		t    Target
		want bool
	}{
		{"running", job(2, 2, ""), TargetRunning, true},
		{"running for an older spec", job(3, 2, ""), TargetRunning, false},
		{"session cluster ready", job(1, 1, metav1.ConditionTrue), TargetReady, true},
		{"session cluster not ready", job(1, 1, metav1.ConditionFalse), TargetReady, false},
		{"no condition yet", job(1, 1, ""), TargetReady, false},
	} {
		if got := ReachedApp(tc.a, tc.t); got != tc.want {
			t.Errorf("%s: ReachedApp(%s) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
	if s := SummarizeApp(job(1, 1, "")); s.Name != "etl" || s.JobManager != "on session" || s.JobState != "RUNNING" || !s.Current {
		t.Errorf("summary of a session job = %+v", s)
	}
}

func TestParseTarget(t *testing.T) {
	if got, err := ParseTarget(" running "); err != nil || got != TargetRunning {
		t.Errorf("ParseTarget(running) = %q, %v", got, err)
	}
	if _, err := ParseTarget("FINISHED"); err == nil || !strings.Contains(err.Error(), "RUNNING, STABLE") {
		t.Errorf("ParseTarget(FINISHED) error = %v, want one listing the choices", err)
	}
}

func TestNewerSavepoint(t *testing.T) {
	with := func(loc string, ts int64) *v1beta1.FlinkDeployment {
		return dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) {
			s.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{Location: loc, TimeStamp: ts}}
		})
	}
	none := dep(1, 1, nil)
	for _, tc := range []struct {
		name        string
		before, now *v1beta1.FlinkDeployment
		want        bool
	}{
		{"first savepoint", none, with("a", 1), true},
		{"still none", none, none, false},
		{"same", with("a", 1), with("a", 1), false},
		{"new location", with("a", 1), with("b", 1), true},
		{"newer time", with("a", 1), with("a", 2), true},
	} {
		if got := NewerSavepoint(&tc.before.Status.CommonStatus, &tc.now.Status.CommonStatus); got != tc.want {
			t.Errorf("%s: NewerSavepoint = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSummaryAndTable(t *testing.T) {
	d := dep(1, 1, func(s *v1beta1.FlinkDeploymentStatus) {
		s.LifecycleState = v1beta1.LifecycleStable
		s.JobStatus = v1beta1.JobStatus{State: "RUNNING", JobID: "abc",
			SavepointInfo: &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{Location: "file:/sp/1", TimeStamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()}}}
		s.JobManagerDeploymentStatus = v1beta1.JMReady
		s.Error = "boom\n\tat some.Stack(Trace.java:1)"
	})
	s := Summarize(d)
	if s.LastSavepoint != "file:/sp/1 (2026-01-02T03:04:05Z)" {
		t.Errorf("LastSavepoint = %q", s.LastSavepoint)
	}
	if got := s.Progress(); got != "lifecycle=STABLE job=RUNNING jm=READY error=boom" {
		t.Errorf("Progress = %q", got)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, []Summary{s, Summarize(dep(1, 0, nil))}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || strings.Contains(b.String(), "Stack") {
		t.Errorf("table:\n%s", b.String())
	}
	if f := strings.Fields(lines[2]); len(f) != 7 || f[1] != "-" {
		t.Errorf("empty row should show dashes: %q", lines[2])
	}
}

func TestRelatedEvents(t *testing.T) {
	at := func(name string, sec int) corev1.Event {
		return corev1.Event{InvolvedObject: corev1.ObjectReference{Name: name}, Message: name,
			LastTimestamp: metav1.NewTime(time.Unix(int64(sec), 0))}
	}
	evs := []corev1.Event{at("app-taskmanager-1", 3), at("other", 1), at("app", 2), at("application", 4), at("app-rest", 1)}
	got := RelatedEvents(evs, "app", 2)
	if len(got) != 2 || got[0].Message != "app" || got[1].Message != "app-taskmanager-1" {
		t.Errorf("RelatedEvents = %v", got)
	}
}

func TestServiceURL(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.42", Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}}}}
	if u, err := ServiceURL(svc); err != nil || u != "http://10.96.0.42:8081" {
		t.Errorf("ServiceURL = %q, %v", u, err)
	}
	svc.Spec.ClusterIP = corev1.ClusterIPNone
	if _, err := ServiceURL(svc); err == nil {
		t.Error("headless Service should have no URL")
	}
}

func TestParseManifest(t *testing.T) {
	objs, err := ParseManifest([]byte("# c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: b}\n"))
	if err != nil || len(objs) != 2 || objs[1].GetName() != "b" {
		t.Fatalf("ParseManifest = %v, %v", objs, err)
	}
	for _, bad := range []string{"", "metadata: {name: a}\n", "kind: [\n"} {
		if _, err := ParseManifest([]byte(bad)); err == nil {
			t.Errorf("ParseManifest(%q) should fail", bad)
		}
	}
}

func TestNextNonce(t *testing.T) {
	five := int64(5)
	if NextNonce(nil) != 1 || NextNonce(&five) != 6 {
		t.Error("NextNonce must differ from the current nonce")
	}
}
