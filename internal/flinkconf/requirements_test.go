package flinkconf

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestResourcesAmounts reads `resources` amounts as FKO does: memory as Flink's MemorySize
// first ("2048m" is 2048 MiB, not 2.048 bytes), cpu as a Kubernetes quantity.
func TestResourcesAmounts(t *testing.T) {
	cases := []struct {
		memory, cpu      string
		wantMem, wantCPU string
		wantMiB          int64
	}{
		{memory: `"2048m"`, wantMem: "2g", wantMiB: 2048},
		{memory: `"4000m"`, wantMem: "4000m", wantMiB: 4000},
		{memory: `"1000M"`, wantMem: "1000m", wantMiB: 1000},
		{memory: `"2Gi"`, wantMem: "2g", wantMiB: 2048},
		{memory: `"1.5Gi"`, wantMem: "1536m", wantMiB: 1536},
		{memory: `"512Mi"`, wantMem: "512m", wantMiB: 512},
		{memory: `2147483648`, wantMem: "2g", wantMiB: 2048},
		{memory: `"1g"`, cpu: `"500m"`, wantMem: "1g", wantMiB: 1024, wantCPU: "0.5"},
		{memory: `"1g"`, cpu: `2`, wantMem: "1g", wantMiB: 1024, wantCPU: "2"},
		{memory: `"1g"`, cpu: `0.25`, wantMem: "1g", wantMiB: 1024, wantCPU: "0.25"},
	}
	for _, tc := range cases {
		t.Run(tc.memory+"/"+tc.cpu, func(t *testing.T) {
			req := "memory: " + tc.memory
			if tc.cpu != "" {
				req += ", cpu: " + tc.cpu
			}
			d := deployment(t, `
spec:
  flinkVersion: v1_20
  jobManager: {resources: {requests: {`+req+`}}}
  taskManager: {resources: {limits: {`+req+`}}}
`)
			c, err := Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{KeyJMMemory, KeyTMMemory} {
				if c[k] != tc.wantMem {
					t.Errorf("%s = %q, want %q", k, c[k], tc.wantMem)
				}
			}
			if tc.cpu != "" && c[KeyJMCPU] != tc.wantCPU {
				t.Errorf("%s = %q, want %q", KeyJMCPU, c[KeyJMCPU], tc.wantCPU)
			}
			q, err := Amount(corev1.ResourceMemory, string(d.Spec.JobManager.Resources.Requests[corev1.ResourceMemory]))
			if err != nil || q.Value() != tc.wantMiB<<20 {
				t.Errorf("Amount(memory) = %s, %v; want %d MiB", q.String(), err, tc.wantMiB)
			}
		})
	}
}

func TestAmountErrors(t *testing.T) {
	for _, tc := range []struct {
		name corev1.ResourceName
		raw  string
	}{
		{corev1.ResourceMemory, "lots"}, {corev1.ResourceMemory, "0"}, {corev1.ResourceMemory, ""},
		{corev1.ResourceCPU, "one"}, {corev1.ResourceEphemeralStorage, "2 g"},
	} {
		if q, err := Amount(tc.name, tc.raw); err == nil {
			t.Errorf("Amount(%s, %q) = %s, want an error", tc.name, tc.raw, q.String())
		}
	}
	// Other resources are plain quantities: "1G" is 10^9 bytes there, as Kubernetes reads it.
	if q, err := Amount(corev1.ResourceEphemeralStorage, "1G"); err != nil || q.Value() != 1e9 {
		t.Errorf("ephemeral-storage 1G = %s, %v", q.String(), err)
	}
}
