package app

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestForwardTarget(t *testing.T) {
	jm := func(name string, phase corev1.PodPhase, age time.Duration) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Unix(1e9, 0).Add(-age))},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Ports: []corev1.ContainerPort{{Name: "rest", ContainerPort: 8082}}}}},
			Status: corev1.PodStatus{Phase: phase}}
	}
	pods := []corev1.Pod{jm("old", corev1.PodRunning, time.Hour), jm("new", corev1.PodRunning, time.Minute), jm("newest", corev1.PodPending, 0)}
	svc := func(ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "x-rest"}, Spec: corev1.ServiceSpec{Ports: ports}}
	}
	for _, tc := range []struct {
		name string
		svc  *corev1.Service
		want int
	}{
		{"numeric target port", svc(corev1.ServicePort{Name: "other", Port: 6123}, corev1.ServicePort{Name: "rest", Port: 8081, TargetPort: intstr.FromInt32(9000)}), 9000},
		{"named target port", svc(corev1.ServicePort{Name: "rest", Port: 8081, TargetPort: intstr.FromString("rest")}), 8082},
		{"no target port: the port", svc(corev1.ServicePort{Port: 8081}), 8081},
		{"no rest port: the first one", svc(corev1.ServicePort{Name: "ui", Port: 80}), 80},
	} {
		pod, port, err := ForwardTarget(tc.svc, pods)
		if err != nil || pod.Name != "new" || port != tc.want {
			t.Errorf("%s: ForwardTarget = %v, %d, %v; want the newest running pod and %d", tc.name, pod, port, err, tc.want)
		}
	}
	if _, _, err := ForwardTarget(svc(corev1.ServicePort{Port: 8081}), pods[2:]); err == nil || !strings.Contains(err.Error(), "no running JobManager") {
		t.Errorf("only a pending pod: %v", err)
	}
	if _, _, err := ForwardTarget(svc(corev1.ServicePort{Port: 8081, TargetPort: intstr.FromString("web")}), pods); err == nil || !strings.Contains(err.Error(), `"web"`) {
		t.Errorf("unknown named port: %v", err)
	}
	if _, _, err := ForwardTarget(svc(), pods); err == nil {
		t.Error("a Service without ports has nothing to forward to")
	}
}
