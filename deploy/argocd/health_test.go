package argocd

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const validationError = `{"type":"org.apache.flink.kubernetes.operator.exception.ValidationException","message":"spec.job.parallelism must be at least 1, got 0","throwableList":[]}`

func TestHealth(t *testing.T) {
	cases := []struct {
		name, kind, object string
		status, message    string
	}{
		{"new deployment", "FlinkDeployment", `{metadata: {generation: 1}, spec: {job: {}}}`, Progressing, "Waiting for the operator"},
		{"generation not yet taken", "FlinkDeployment", `{metadata: {generation: 3}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: STABLE, jobStatus: {state: RUNNING}}}`, Progressing, "generation 3 not yet taken"},
		{"running", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: STABLE, jobStatus: {state: RUNNING}}}`, Healthy, "Job running"},
		{"finished batch job", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: STABLE, jobStatus: {state: FINISHED}}}`, Healthy, "Job finished"},
		{"job failed (ArgoCD's built-in script says Healthy)", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: FAILED, jobStatus: {state: FAILED}}}`, Degraded, "Job failed"},
		{"job failed, with the operator's summary", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: FAILED, jobStatus: {state: FAILED}, error: '{"type":"org.apache.flink.runtime.client.JobExecutionException","message":"Job failed: java.io.IOException: boom","throwableList":[]}'}}`, Degraded, "Job failed: java.io.IOException: boom"},
		{"job failing over", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: STABLE, jobStatus: {state: RESTARTING}}}`, Degraded, "RESTARTING"},
		{"spec rejected while the last spec runs", "FlinkDeployment", `{metadata: {generation: 5}, spec: {job: {}}, status: {observedGeneration: 4, lifecycleState: STABLE, jobStatus: {state: RUNNING}, error: '` + validationError + `'}}`, Degraded, "Spec rejected, the last valid spec keeps running: spec.job.parallelism must be at least 1, got 0"},
		{"upgrading", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: UPGRADING, jobStatus: {state: RECONCILING}}}`, Progressing, "Upgrading"},
		{"deployed, job starting", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: DEPLOYED, jobStatus: {state: CREATED}}}`, Progressing, "waiting for the job (CREATED)"},
		{"rolling back", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: ROLLING_BACK}}`, Progressing, "Rolling back"},
		{"rolled back", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: ROLLED_BACK, jobStatus: {state: RUNNING}}}`, Degraded, "rolled back"},
		{"suspended with its savepoint", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {state: suspended}}, status: {observedGeneration: 2, lifecycleState: SUSPENDED, jobStatus: {state: FINISHED, upgradeSavepointPath: 's3p://b/sp-1'}}}`, Suspended, "its state is in s3p://b/sp-1"},
		{"session cluster ready", "FlinkDeployment", `{metadata: {generation: 1}, spec: {}, status: {observedGeneration: 1, lifecycleState: STABLE, jobManagerDeploymentStatus: READY}}`, Healthy, "Session cluster ready"},
		{"deleting", "FlinkDeployment", `{metadata: {generation: 2}, spec: {job: {}}, status: {observedGeneration: 2, lifecycleState: DELETING}}`, Progressing, "Deleting"},

		{"session job waits for its cluster", "FlinkSessionJob", `{metadata: {generation: 1}, status: {observedGeneration: 1, conditions: [{type: SessionClusterReady, status: "False", message: "Waiting for session cluster: FlinkDeployment \"s\" does not exist"}]}}`, Progressing, "does not exist"},
		{"session job running", "FlinkSessionJob", `{metadata: {generation: 1}, status: {observedGeneration: 1, lifecycleState: STABLE, jobStatus: {state: RUNNING}, conditions: [{type: SessionClusterReady, status: "True"}]}}`, Healthy, "Job running"},
		{"session job failed", "FlinkSessionJob", `{metadata: {generation: 1}, status: {observedGeneration: 1, lifecycleState: FAILED, jobStatus: {state: FAILED}}}`, Degraded, "Job failed"},
		{"session job suspended", "FlinkSessionJob", `{metadata: {generation: 2}, status: {observedGeneration: 2, lifecycleState: SUSPENDED}}`, Suspended, "suspended"},
		{"session job spec rejected", "FlinkSessionJob", `{metadata: {generation: 2}, status: {observedGeneration: 1, lifecycleState: STABLE, error: '` + validationError + `'}}`, Degraded, "Spec rejected"},

		{"snapshot pending", "FlinkStateSnapshot", `{status: {state: TRIGGER_PENDING}}`, Progressing, "TRIGGER_PENDING"},
		{"snapshot completed", "FlinkStateSnapshot", `{status: {state: COMPLETED, path: 's3p://b/sp-2'}}`, Healthy, "Completed: s3p://b/sp-2"},
		{"snapshot failed", "FlinkStateSnapshot", `{status: {state: FAILED, error: "Savepoint failed after 3 attempts"}}`, Degraded, "after 3 attempts"},
		{"snapshot abandoned", "FlinkStateSnapshot", `{status: {state: ABANDONED, error: "job not found"}}`, Degraded, "ABANDONED"},

		{"profile valid", "FlinkProfile", `{metadata: {generation: 4}, status: {observedGeneration: 4}}`, Healthy, "valid"},
		{"profile invalid", "FlinkProfile", `{metadata: {generation: 4}, status: {observedGeneration: 4, error: 'state.prefixTemplate "{{namespace}}" has no {{name}}'}}`, Degraded, "keep their last valid spec"},
		{"profile edit not yet read", "FlinkProfile", `{metadata: {generation: 5}, status: {observedGeneration: 4}}`, Progressing, "generation 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.object), &obj); err != nil {
				t.Fatal(err)
			}
			hs, err := Health(tc.kind, obj)
			if err != nil {
				t.Fatal(err)
			}
			if hs.Status != tc.status || !strings.Contains(hs.Message, tc.message) || strings.Contains(hs.Message, "Job failed: Job failed") {
				t.Fatalf("got %s %q, want %s with %q", hs.Status, hs.Message, tc.status, tc.message)
			}
		})
	}
}

func TestHealthOfAnUnknownKind(t *testing.T) {
	if _, err := Health("Pod", map[string]any{}); err == nil {
		t.Fatal("no script for Pod, but no error")
	}
}
