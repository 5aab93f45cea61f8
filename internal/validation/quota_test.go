package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func quota(name string, hard corev1.ResourceList) corev1.ResourceQuota {
	return corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ResourceQuotaSpec{Hard: hard}}
}

func TestQuotaRefusal(t *testing.T) {
	need := rl("requests.cpu", "3", "cpu", "3", "requests.memory", "4Gi", "memory", "4Gi", "limits.cpu", "3", "limits.memory", "4Gi", "pods", "3")
	scoped := quota("best-effort", rl("pods", "0"))
	scoped.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
	for _, tc := range []struct {
		name   string
		quotas []corev1.ResourceQuota
		used   corev1.ResourceList
		want   []string // substrings; none means the app fits
	}{
		{"no quota", nil, nil, nil},
		{"fits exactly", []corev1.ResourceQuota{quota("q", rl("requests.cpu", "4", "requests.memory", "8Gi"))}, rl("requests.cpu", "1"), nil},
		{"cpu over: which quota, resource, needed, free",
			[]corev1.ResourceQuota{quota("team", rl("requests.cpu", "4", "requests.memory", "8Gi"))}, rl("requests.cpu", "2", "requests.memory", "1Gi"),
			[]string{`ResourceQuota "team" requests.cpu: the app needs 3, 2 is free (hard 4, used by other pods 2)`}},
		{"short names and limits",
			[]corev1.ResourceQuota{quota("a", rl("cpu", "2")), quota("b", rl("limits.memory", "2Gi", "pods", "10"))}, nil,
			[]string{`ResourceQuota "a" cpu: the app needs 3, 2 is free`, `ResourceQuota "b" limits.memory: the app needs 4Gi, 2Gi is free`}},
		{"pods count", []corev1.ResourceQuota{quota("n", rl("pods", "4"))}, rl("pods", "2"), []string{`pods: the app needs 3, 2 is free`}},
		{"over-used quota shows nothing free", []corev1.ResourceQuota{quota("n", rl("requests.memory", "1Gi"))}, rl("requests.memory", "2Gi"),
			[]string{`the app needs 4Gi, 0 is free (hard 1Gi, used by other pods 2Gi)`}},
		{"other resources and scoped quotas are not checked",
			[]corev1.ResourceQuota{quota("o", rl("services", "0", "requests.storage", "1")), scoped}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := QuotaRefusal("ns1", need, tc.quotas, tc.used)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("not refused")
			}
			if !strings.Contains(err.Error(), "namespace ns1") {
				t.Errorf("%v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

func TestPodUsage(t *testing.T) {
	pod := func(phase corev1.PodPhase, req, lim corev1.ResourceList) corev1.Pod {
		return corev1.Pod{Status: corev1.PodStatus{Phase: phase}, Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}},
			{Resources: corev1.ResourceRequirements{Requests: rl("cpu", "100m")}},
		}}}
	}
	got := PodUsage([]corev1.Pod{
		pod(corev1.PodRunning, rl("cpu", "1", "memory", "1Gi"), rl("cpu", "2", "memory", "1Gi")),
		pod(corev1.PodPending, rl("cpu", "500m"), nil),
		pod(corev1.PodSucceeded, rl("cpu", "8"), nil), // done: holds no quota
		pod(corev1.PodFailed, rl("cpu", "8"), nil),
	})
	want := rl("cpu", "1700m", "requests.cpu", "1700m", "memory", "1Gi", "requests.memory", "1Gi", "limits.cpu", "2", "limits.memory", "1Gi", "pods", "2")
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for k, v := range want {
		if g := got[k]; g.Cmp(v) != 0 {
			t.Errorf("%s: %s, want %s", k, g.String(), v.String())
		}
	}
}
