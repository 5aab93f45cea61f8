package validation

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

// valid is a stateful application that passes every rule; each case breaks one.
const valid = `
metadata: {name: basic, namespace: flink}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
    state.savepoints.dir: s3://b/sp
    state.checkpoints.dir: s3://b/cp
    high-availability.type: kubernetes
    high-availability.storageDir: s3://b/ha
  jobManager:
    resource: {memory: 2048m, cpu: 1}
  taskManager:
    resource: {memory: 2g, cpu: 1}
  job:
    jarURI: local:///opt/flink/usrlib/job.jar
    parallelism: 2
    upgradeMode: last-state
`

func decodeDeployment(t *testing.T, manifest string) *v1beta1.FlinkDeployment {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	d := &v1beta1.FlinkDeployment{}
	if err := json.Unmarshal(j, d); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return d
}

func TestValidDeployment(t *testing.T) {
	if err := Deployment(decodeDeployment(t, valid)); err != nil {
		t.Fatalf("valid deployment refused: %v", err)
	}
	session := `
metadata: {name: session, namespace: flink}
spec:
  flinkVersion: v2_1
  serviceAccount: flink
  jobManager: {resources: {requests: {memory: 1Gi}}}
  taskManager: {resources: {limits: {memory: 1Gi}}}
`
	if err := Deployment(decodeDeployment(t, session)); err != nil {
		t.Fatalf("valid session refused: %v", err)
	}
}

func TestDeploymentRules(t *testing.T) {
	cases := []struct {
		rule   string
		from   string // replaced in valid...
		to     string // ...by this
		expect string // substring of the error
	}{
		{"name", "name: basic,", "name: Basic_1,", `the FlinkDeployment name "Basic_1" is invalid`},
		{"unknown version", "flinkVersion: v1_20", "flinkVersion: v3_7", `flinkVersion "v3_7" is not supported`},
		{"old version", "flinkVersion: v1_20", "flinkVersion: v1_18", "the oldest supported version is v1_19"},
		{"missing version", "  flinkVersion: v1_20\n", "", "spec.flinkVersion must be set"},
		{"mode", "  image:", "  mode: hybrid\n  image:", `spec.mode "hybrid" is unknown`},
		{"service account", "  serviceAccount: flink\n", "", "spec.serviceAccount must be set"},
		{"pull policy", "  image:", "  imagePullPolicy: Sometimes\n  image:", `spec.imagePullPolicy "Sometimes" is unknown`},
		{"jm memory string", "memory: 2048m", "memory: lots", `spec.jobManager.resource.memory: memory "lots" is neither`},
		{"tm memory missing", "    resource: {memory: 2g, cpu: 1}", "    resource: {cpu: 1}", "TaskManager resource memory must be defined"},
		{"jm memory missing", "    resource: {memory: 2048m, cpu: 1}", "    resource: {cpu: 1}", "JobManager resource memory must be defined"},
		{"cpu", "memory: 2g, cpu: 1", "memory: 2g, cpu: 0", "spec.taskManager.resource.cpu must be positive"},
		{"ephemeral storage", "memory: 2g, cpu: 1", "memory: 2g, ephemeralStorage: big", `ephemeralStorage "big" is not a Kubernetes quantity`},
		{"request above limit", "    resource: {memory: 2048m, cpu: 1}", "    resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}", "memory request (2Gi) must not exceed its limit (1Gi)"},
		{"zero parallelism", "    parallelism: 2\n", "", "Job parallelism must be larger than 0"},
		{"tm replicas", "    resource: {memory: 2g, cpu: 1}", "    resource: {memory: 2g, cpu: 1}\n    replicas: 0", "TaskManager replicas must be larger than 0"},
		{"jm replicas without HA", "    high-availability.type: kubernetes\n", "", "High availability should be enabled when starting standby JobManagers"},
		{"last-state without HA", "    high-availability.type: kubernetes\n", "", "upgradeMode last-state needs high availability"},
		{"savepoint mode without dir", "    state.savepoints.dir: s3://b/sp\n", "", "Job could not be upgraded with savepoint while config key"},
		{"manual savepoint without dir", "    state.savepoints.dir: s3://b/sp\n", "", "Savepoint could not be manually triggered"},
		{"checkpoint dir", "    state.checkpoints.dir: s3://b/cp\n", "", "Checkpoint directory[execution.checkpointing.dir or state.checkpoints.dir] must be defined"},
		{"entropy key not in checkpoint dir", "    state.checkpoints.dir: s3://b/cp\n", "    state.checkpoints.dir: s3p://b/cp\n    s3.entropy.key: _entropy_\n", `s3.entropy.key is "_entropy_" but the checkpoint directory (execution.checkpointing.dir or state.checkpoints.dir) "s3p://b/cp" does not contain it`},
		{"entropy key not in 2.x checkpoint dir", "    state.checkpoints.dir: s3://b/cp\n", "    execution.checkpointing.dir: s3p://b/cp\n    s3.entropy.key: _entropy_\n", `"s3p://b/cp" does not contain it`},
		{"entropy marker in savepoint dir", "    state.savepoints.dir: s3://b/sp\n    state.checkpoints.dir: s3://b/cp\n", "    state.savepoints.dir: s3://b/_entropy_/sp\n    state.checkpoints.dir: s3://b/_entropy_/cp\n    s3.entropy.key: _entropy_\n", `the savepoint directory (execution.checkpointing.savepoint-dir or state.savepoints.dir) "s3://b/_entropy_/sp" contains the entropy marker "_entropy_": savepoints must stay relocatable`},
		{"HA without storage", "    high-availability.storageDir: s3://b/ha\n", "", "high-availability.storageDir is not set"},
		{"jar scheme", "local:///opt/flink/usrlib/job.jar", "ftp://host/job.jar", `spec.job.jarURI scheme "ftp" is not allowed here`},
		{"jar without scheme", "local:///opt/flink/usrlib/job.jar", "/opt/flink/usrlib/job.jar", "must include a scheme"},
		{"standalone jar scheme", "  image:", "  mode: standalone\n  image:", `scheme "s3" is not allowed here; use one of file, http, https, local`},
		{"ingress template", "  image:", "  ingress: {className: nginx}\n  image:", "spec.ingress.template must be defined"},
		{"ingress host", "  image:", "  ingress: {template: 'bad_host!/x'}\n  image:", `which is not a valid DNS name`},
		{"log config key", "  image:", "  logConfiguration: {log4j.properties: x}\n  image:", `spec.logConfiguration key "log4j.properties" is not a log file Flink reads`},
		{"fixed port", "    taskmanager.numberOfTaskSlots: \"2\"\n", "    taskmanager.numberOfTaskSlots: \"2\"\n    rest.port: \"9999\"\n", `sets rest.port to "9999", but weir runs Flink with rest.port=8081`},
		{"forbidden key", "    taskmanager.numberOfTaskSlots: \"2\"\n", "    taskmanager.numberOfTaskSlots: \"2\"\n    kubernetes.cluster-id: other\n", "must not set kubernetes.cluster-id"},
		{"slots", `taskmanager.numberOfTaskSlots: "2"`, `taskmanager.numberOfTaskSlots: "two"`, `taskmanager.numberOfTaskSlots must be a whole number of at least 1, got "two"`},
		{"config conflict", "    taskmanager.numberOfTaskSlots: \"2\"\n", "    taskmanager.numberOfTaskSlots: \"2\"\n    taskmanager: {numberOfTaskSlots: 3}\n", "spec.flinkConfiguration cannot be read"},
		{"hash in 1.x config", "    taskmanager.numberOfTaskSlots: \"2\"\n", "    taskmanager.numberOfTaskSlots: \"2\"\n    a.password: 'x#y'\n", "treats '#' as the start of a comment"},
		{"upgrade mode", "upgradeMode: last-state", "upgradeMode: sometimes", `spec.job.upgradeMode "sometimes" is unknown`},
		{"job state", "upgradeMode: last-state", "upgradeMode: last-state\n    state: paused", `spec.job.state "paused" is unknown`},
		{"container without name", "  image:", "  podTemplate: {spec: {containers: [{image: busybox}]}}\n  image:", "spec.podTemplate.spec.containers[0] has no name"},
		{"sidecar without image", "  image:", "  podTemplate: {spec: {containers: [{name: sidecar}]}}\n  image:", "spec.podTemplate.spec.containers[0] (sidecar) has no image"},
		{"init container without image", "  image:", "  podTemplate: {spec: {initContainers: [{name: init}]}}\n  image:", "spec.podTemplate.spec.initContainers[0] (init) has no image"},
		{"rollback without HA", "    high-availability.type: kubernetes\n", "    kubernetes.operator.deployment.rollback.enabled: \"true\"\n", "HA must be enabled for rollback support"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			m := valid
			switch tc.rule {
			case "jm replicas without HA":
				m = strings.Replace(m, "    resource: {memory: 2048m, cpu: 1}", "    resource: {memory: 2048m, cpu: 1}\n    replicas: 2", 1)
			case "manual savepoint without dir":
				m = strings.Replace(m, "upgradeMode: last-state", "upgradeMode: last-state\n    savepointTriggerNonce: 1", 1)
			case "savepoint mode without dir":
				m = strings.Replace(m, "upgradeMode: last-state", "upgradeMode: savepoint", 1)
			case "standalone jar scheme":
				m = strings.Replace(m, "local:///opt/flink/usrlib/job.jar", "s3://b/job.jar", 1)
			case "tm replicas":
				m = strings.Replace(m, "    parallelism: 2\n", "", 1)
			}
			if !strings.Contains(m, tc.from) {
				t.Fatalf("test bug: %q not in manifest", tc.from)
			}
			m = strings.Replace(m, tc.from, tc.to, 1)
			err := Deployment(decodeDeployment(t, m))
			if err == nil {
				t.Fatalf("no error, want %q", tc.expect)
			}
			if !strings.Contains(err.Error(), tc.expect) {
				t.Errorf("error %q does not contain %q", err.Error(), tc.expect)
			}
			var verr *Error
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Errorf("error is not a *validation.Error: %T", err)
			}
		})
	}
}

func TestSpecChangeRules(t *testing.T) {
	d := decodeDeployment(t, valid)
	old := d.Spec.DeepCopy()
	old.Job = nil
	old.Mode = v1beta1.ModeStandalone
	s, err := v1beta1.WriteSpecWithMeta(*old, v1beta1.ReconciliationMetadata{})
	if err != nil {
		t.Fatal(err)
	}
	d.Status.ReconciliationStatus.LastReconciledSpec = s
	err = Deployment(d)
	if err == nil || !strings.Contains(err.Error(), "Cannot switch from session to job cluster") ||
		!strings.Contains(err.Error(), "Cannot switch from standalone kubernetes to native kubernetes cluster") {
		t.Errorf("error = %v", err)
	}

	d = decodeDeployment(t, valid)
	old = d.Spec.DeepCopy()
	old.Job.State = v1beta1.JobStateSuspended
	old.FlinkVersion = v1beta1.FlinkVersion1_19
	s, _ = v1beta1.WriteSpecWithMeta(*old, v1beta1.ReconciliationMetadata{})
	d.Status.ReconciliationStatus.LastReconciledSpec = s
	nonce := int64(3)
	d.Spec.Job.SavepointRedeployNonce = &nonce
	err = Deployment(d)
	if err == nil || !strings.Contains(err.Error(), "Changing flinkVersion after last-state suspend is not allowed") ||
		!strings.Contains(err.Error(), "InitialSavepointPath must not be empty for savepoint redeployment") {
		t.Errorf("error = %v", err)
	}
}

func TestAggregatedMessage(t *testing.T) {
	err := Deployment(decodeDeployment(t, "metadata: {name: x}\nspec: {}"))
	var verr *Error
	if !errors.As(err, &verr) || len(verr.Problems) < 3 {
		t.Fatalf("want several problems, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "4 problems: (1) ") && !strings.Contains(err.Error(), "problems: (1) ") {
		t.Errorf("message = %q", err.Error())
	}
	if Deployment(nil) == nil {
		t.Error("nil must be refused")
	}
}
