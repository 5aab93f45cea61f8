package app

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func tmPod(name string, phase corev1.PodPhase, restarts int32, running bool) corev1.Pod {
	cs := corev1.ContainerStatus{Name: "flink-main-container", RestartCount: restarts}
	if running {
		cs.State.Running = &corev1.ContainerStateRunning{}
	}
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "sidecar"}, {Name: "flink-main-container"}}},
		Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{cs}}}
}

func TestLogPods(t *testing.T) {
	pods := []corev1.Pod{tmPod("tm-2", corev1.PodRunning, 0, true), tmPod("tm-1", corev1.PodRunning, 2, true),
		tmPod("tm-3", corev1.PodPending, 0, false)}
	keep, skipped := LogPods(pods, false)
	if len(keep) != 2 || keep[0].Name != "tm-1" || keep[1].Name != "tm-2" || len(skipped) != 1 || !strings.Contains(skipped[0], "tm-3: pending") {
		t.Errorf("LogPods = %v, %v", names(keep), skipped)
	}
	keep, skipped = LogPods(pods, true)
	if len(keep) != 1 || keep[0].Name != "tm-1" || len(skipped) != 2 {
		t.Errorf("LogPods(previous) = %v, %v", names(keep), skipped)
	}
	if o := podLogOptions(pods[0], LogOptions{Previous: true, Tail: 5}); o.Container != "flink-main-container" || !o.Previous || *o.TailLines != 5 {
		t.Errorf("podLogOptions = %+v", o)
	}
}

func names(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestPrefixLinesKeepsLinesWhole(t *testing.T) {
	var b bytes.Buffer
	lw := &lineWriter{w: &b}
	var wg sync.WaitGroup
	for _, pod := range []string{"tm-1", "tm-2", "tm-3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := prefixLines(strings.NewReader(strings.Repeat(pod+" says hello\n", 200)+"no newline at the end"), pod, lw); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3*201 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		pod := strings.TrimSuffix(strings.TrimPrefix(strings.Fields(l)[0], "["), "]")
		if l != "["+pod+"] "+pod+" says hello" && l != "["+pod+"] no newline at the end" {
			t.Fatalf("mixed or unprefixed line %q", l)
		}
	}
}
