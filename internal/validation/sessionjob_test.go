package validation

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

const sessionCluster = `
metadata: {name: session, namespace: flink}
spec:
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration: {state.savepoints.dir: s3://b/sp}
  jobManager: {resource: {memory: 1g}}
  taskManager: {resource: {memory: 1g}}
`

const sessionJob = `
metadata: {name: job, namespace: flink}
spec:
  deploymentName: session
  job:
    jarURI: https://repo.example.com/job.jar
    parallelism: 2
    upgradeMode: stateless
`

func decodeJob(t *testing.T, manifest string) *v1beta1.FlinkSessionJob {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	out := &v1beta1.FlinkSessionJob{}
	if err := json.Unmarshal(j, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSessionJob(t *testing.T) {
	session := decodeDeployment(t, sessionCluster)
	if err := SessionJob(decodeJob(t, sessionJob), session); err != nil {
		t.Fatalf("valid session job refused: %v", err)
	}
	if err := SessionJob(decodeJob(t, sessionJob), nil); err != nil {
		t.Fatalf("valid session job without its cluster refused: %v", err)
	}
	application := decodeDeployment(t, valid)
	application.Name = "session"
	cases := []struct {
		rule, from, to string
		session        *v1beta1.FlinkDeployment
		expect         string
	}{
		{"application cluster", "", "", application, "Can not submit session job to application cluster"},
		{"other cluster", "deploymentName: session", "deploymentName: other", session, "The session job's cluster id is not match with the session cluster"},
		{"bad deployment name", "deploymentName: session", "deploymentName: Session!", nil, `the FlinkDeployment name "Session!" is invalid`},
		{"empty job", "  job:\n    jarURI: https://repo.example.com/job.jar\n    parallelism: 2\n    upgradeMode: stateless\n", "", nil, "The job spec should not be empty"},
		{"no jar", "    jarURI: https://repo.example.com/job.jar\n", "", nil, "spec.job.jarURI must be set"},
		{"jar scheme", "https://repo.example.com/job.jar", "local:///opt/job.jar", nil, `scheme "local" is not allowed here; use one of`},
		{"jar host", "https://repo.example.com/job.jar", "https:///job.jar", nil, "must include a host"},
		{"parallelism", "    parallelism: 2\n", "", session, "Job parallelism must be larger than 0"},
		{"savepoint dir from cluster config", "upgradeMode: stateless", "upgradeMode: savepoint", nil, ""},
		{"checkpoint dir", "upgradeMode: stateless", "upgradeMode: savepoint", session, "Checkpoint directory[execution.checkpointing.dir or state.checkpoints.dir] must be defined"},
		// Operator-only: the resource's own value is ignored (the controller warns about it).
		{"allowed schemes setting in the resource", "  job:", "  flinkConfiguration: {kubernetes.operator.user.artifacts.allowed-schemes: s3}\n  job:", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			m := strings.Replace(sessionJob, tc.from, tc.to, 1)
			err := SessionJob(decodeJob(t, m), tc.session)
			if tc.expect == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.expect) {
				t.Errorf("error %v does not contain %q", err, tc.expect)
			}
		})
	}
	j := decodeJob(t, sessionJob)
	old := j.Spec.DeepCopy()
	old.DeploymentName = "earlier"
	j.Status.ReconciliationStatus.LastReconciledSpec, _ = v1beta1.WriteSpecWithMeta(*old, v1beta1.ReconciliationMetadata{})
	if err := SessionJob(j, nil); err == nil || !strings.Contains(err.Error(), "The deploymentName can't be changed") {
		t.Errorf("error = %v", err)
	}
	if SessionJob(nil, nil) == nil {
		t.Error("nil must be refused")
	}
}

func TestStateSnapshot(t *testing.T) {
	decode := func(m string) *v1beta1.FlinkStateSnapshot {
		j, err := yaml.YAMLToJSON([]byte(m))
		if err != nil {
			t.Fatal(err)
		}
		out := &v1beta1.FlinkStateSnapshot{}
		if err := json.Unmarshal(j, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct{ manifest, expect string }{
		{"spec: {jobReference: {kind: FlinkDeployment, name: basic}, savepoint: {path: 's3://b/sp'}}", ""},
		{"spec: {jobReference: {kind: FlinkSessionJob, name: job}, checkpoint: {}}", ""},
		{"spec: {savepoint: {path: 's3://b/sp-1', alreadyExists: true}}", ""},
		{"spec: {jobReference: {kind: FlinkDeployment, name: basic}}", "Exactly one of checkpoint or savepoint configurations has to be set."},
		{"spec: {jobReference: {kind: FlinkDeployment, name: basic}, checkpoint: {}, savepoint: {}}", "Exactly one of checkpoint or savepoint"},
		{"spec: {savepoint: {}}", "Job reference must be supplied for this snapshot"},
		{"spec: {jobReference: {kind: Pod, name: x}, checkpoint: {}}", `spec.jobReference.kind "Pod" is unknown`},
		{"spec: {jobReference: {kind: FlinkDeployment}, checkpoint: {}}", "spec.jobReference.name must name"},
		{"spec: {savepoint: {alreadyExists: true}}", "spec.savepoint.path must name the existing savepoint"},
		{"spec: {jobReference: {kind: FlinkDeployment, name: b}, checkpoint: {}, backoffLimit: -5}", "spec.backoffLimit must be -1"},
		{"spec: {jobReference: {kind: FlinkDeployment, name: b}, checkpoint: {}, backoffLimit: -2}", "spec.backoffLimit must be -1 (retry forever) or more, got -2"},
		{"spec: {jobReference: {kind: FlinkDeployment, name: b}, checkpoint: {}, backoffLimit: -1}", ""},
		{"spec: {jobReference: {kind: FlinkDeployment, name: b}, checkpoint: {}, backoffLimit: 0}", ""},
		{"spec: {jobReference: {kind: FlinkDeployment, name: b}, savepoint: {formatType: UNKNOWN}}", `formatType "UNKNOWN" is unknown`},
	}
	for _, tc := range cases {
		err := StateSnapshot(decode(tc.manifest))
		switch {
		case tc.expect == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.manifest, err)
		case tc.expect != "" && (err == nil || !strings.Contains(err.Error(), tc.expect)):
			t.Errorf("%s: error %v does not contain %q", tc.manifest, err, tc.expect)
		}
	}
	if StateSnapshot(nil) == nil {
		t.Error("nil must be refused")
	}
}

func TestSessionJobAllowedSchemesFromTheOperatorConfig(t *testing.T) {
	err := SessionJobAllowing(decodeJob(t, sessionJob), nil, []string{"s3"})
	if err == nil || !strings.Contains(err.Error(), `scheme "https" is not allowed here; use one of s3`) {
		t.Fatalf("got %v", err)
	}
	if err := SessionJobAllowing(decodeJob(t, sessionJob), nil, []string{"s3", "https"}); err != nil {
		t.Fatal(err)
	}
}
