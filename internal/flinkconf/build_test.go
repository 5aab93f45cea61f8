package flinkconf

import (
	"strings"
	"testing"
)

const basicApp = `
metadata: {name: basic, namespace: flink}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  jobManager:
    resource: {memory: "2048m", cpu: 1}
  taskManager:
    resource: {memory: "2048m", cpu: 1}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    entryClass: org.example.Main
    args: ["--a", "x;y"]
    parallelism: 3
    upgradeMode: stateless
`

func TestBuild(t *testing.T) {
	cases := []struct {
		name     string
		manifest string
		want     map[string]string // "" means the key must be absent
		wantErr  string
	}{
		{name: "native application 1.20", manifest: basicApp, want: map[string]string{
			KeyClusterID: "basic", KeyNamespace: "flink", KeyRPCAddress: "basic.flink",
			KeyRestPort: "8081", KeyRPCPort: "6123", KeyBlobPort: "6124",
			KeyServiceAccount: "flink", KeyImage: "flink:1.20",
			KeyJMMemory: "2g", KeyTMMemory: "2g", KeyJMCPU: "1", KeyTMCPU: "1",
			KeyTarget: TargetKubernetesApplication, KeyParallelism: "3",
			KeyPipelineJars:    "local:///opt/flink/examples/streaming/StateMachineExample.jar",
			KeyApplicationMain: "org.example.Main", KeyApplicationArgs: "--a;'x;y'",
			KeyShutdownOnFinish: "false", KeyPipelineName: "basic",
			KeyTMPodTemplate:   "/opt/flink/pod-template/taskmanager-pod-template.yaml",
			KeyRestExposedType: "ClusterIP", KeyWebCancel: "false",
			KeyPipelineClasspaths: "", KeyHAClusterID: "", KeyCheckpointInterval: "",
		}},
		{name: "standalone application uses file:// classpath and remote target",
			manifest: strings.Replace(basicApp, "  image:", "  mode: standalone\n  image:", 1),
			want: map[string]string{
				KeyTarget: TargetRemote, KeyPipelineJars: "", KeyTMPodTemplate: "",
				KeyPipelineClasspaths: "file:///opt/flink/examples/streaming/StateMachineExample.jar",
			}},
		{name: "native session", manifest: `
spec:
  flinkVersion: v2_1
  serviceAccount: flink
  jobManager: {resource: {memory: 1g}}
  taskManager: {resource: {memory: 1g}}
`, want: map[string]string{KeyTarget: TargetKubernetesSession, KeyImage: "flink:2.1", KeyParallelism: "", KeyPipelineJars: ""}},
		{name: "core resources win over resource and give limit factors", manifest: `
spec:
  flinkVersion: v1_20
  jobManager:
    resource: {memory: 1g, cpu: 4}
    resources:
      requests: {memory: 2Gi, cpu: 500m}
      limits: {memory: 3Gi, cpu: "1"}
  taskManager:
    resources:
      limits: {memory: 4Gi, cpu: "2"}
`, want: map[string]string{KeyJMMemory: "2g", KeyJMCPU: "0.5", KeyJMCPULimit: "2", KeyJMMemLimit: "1.5",
			KeyTMMemory: "4g", KeyTMCPU: "2", KeyTMCPULimit: "", KeyTMMemLimit: ""}},
		{name: "empty resources do not hide resource", manifest: `
spec:
  flinkVersion: v1_20
  taskManager:
    resource: {memory: 1536m}
    resources: {}
`, want: map[string]string{KeyTMMemory: "1536m"}},
		{name: "memory as kubernetes quantity in short form", manifest: `
spec:
  flinkVersion: v1_20
  jobManager: {resource: {memory: 1.5Gi}}
`, want: map[string]string{KeyJMMemory: "1536m"}},
		{name: "nested configuration and HA normalized for 2.x", manifest: `
spec:
  flinkVersion: v2_0
  flinkConfiguration:
    high-availability: kubernetes
    high-availability.storageDir: s3://b/ha
    state:
      savepoints:
        dir: s3://b/sp
      checkpoints.dir: s3://b/cp
  job: {jarURI: "local:///j.jar", parallelism: 2, upgradeMode: last-state}
`, want: map[string]string{
			"high-availability.type": "kubernetes", "high-availability": "", KeyHAClusterID: "basic",
			"execution.checkpointing.savepoint-dir": "s3://b/sp", "state.savepoints.dir": "",
			"execution.checkpointing.dir": "s3://b/cp", "state.checkpoints.dir": "",
			KeyCheckpointInterval: "5 min", KeyExternalizedRetain: "RETAIN_ON_CANCELLATION",
		}},
		{name: "new key names written back to 1.x names", manifest: `
spec:
  flinkVersion: v1_19
  flinkConfiguration:
    execution.checkpointing.savepoint-dir: s3://b/sp
    high-availability.type: kubernetes
`, want: map[string]string{"state.savepoints.dir": "s3://b/sp", "execution.checkpointing.savepoint-dir": "", "high-availability.type": "kubernetes"}},
		{name: "taskManager.replicas fix the parallelism", manifest: `
spec:
  flinkVersion: v1_20
  flinkConfiguration: {taskmanager.numberOfTaskSlots: "4"}
  taskManager: {replicas: 3}
  job: {jarURI: "local:///j.jar", parallelism: 2, allowNonRestoredState: true}
`, want: map[string]string{KeyParallelism: "12", "execution.savepoint.ignore-unclaimed-state": "true"}},
		{name: "user cannot move the ports", manifest: `
spec:
  flinkVersion: v1_20
  flinkConfiguration: {rest.port: "9999", kubernetes.rest-service.exposed.type: NodePort}
`, want: map[string]string{KeyRestPort: "8081", KeyRestExposedType: "NodePort"}},
		{name: "old version refused", manifest: "spec: {flinkVersion: v1_17}", wantErr: "oldest supported version is v1_19"},
		{name: "missing version", manifest: "spec: {}", wantErr: "spec.flinkVersion must be set"},
		{name: "bad memory", manifest: "spec: {flinkVersion: v1_20, jobManager: {resource: {memory: lots}}}", wantErr: "spec.jobManager.resource.memory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := deployment(t, tc.manifest)
			c, err := Build(d, &d.Spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				got, ok := c[k]
				if want == "" && ok {
					t.Errorf("%s = %q, want unset", k, got)
				}
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestTaskManagerReplicas(t *testing.T) {
	cases := []struct {
		manifest string
		want     int32
	}{
		{"spec: {flinkVersion: v1_20, job: {parallelism: 5}, flinkConfiguration: {taskmanager.numberOfTaskSlots: '2'}}", 3},
		{"spec: {flinkVersion: v1_20, job: {parallelism: 4}, flinkConfiguration: {taskmanager.numberOfTaskSlots: '2'}}", 2},
		{"spec: {flinkVersion: v1_20, job: {parallelism: 4}, taskManager: {replicas: 7}}", 7},
		{"spec: {flinkVersion: v1_20}", 1},
		{"spec: {flinkVersion: v1_20, job: {parallelism: 3}}", 3},
	}
	for _, tc := range cases {
		d := deployment(t, tc.manifest)
		c, err := Build(d, &d.Spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := TaskManagerReplicas(&d.Spec, c); got != tc.want {
			t.Errorf("%s: replicas = %d, want %d", tc.manifest, got, tc.want)
		}
	}
}

func TestWithStart(t *testing.T) {
	base := Conf{"execution.savepoint.path": "s3://old", "a": "b"}
	c, err := WithStart(base, "v2_1", "s3://b/sp-1", true, "00000000000000000000000000000abc")
	if err != nil {
		t.Fatal(err)
	}
	want := Conf{"a": "b", "execution.state-recovery.path": "s3://b/sp-1",
		"execution.state-recovery.ignore-unclaimed-state": "true", KeyFixedJobID: "00000000000000000000000000000abc"}
	if len(c) != len(want) {
		t.Errorf("got %v, want %v", c, want)
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %q, want %q", k, c[k], v)
		}
	}
	if base["execution.savepoint.path"] != "s3://old" {
		t.Error("WithStart changed its input")
	}
	c, err = WithStart(base, "v1_20", "", false, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c["execution.savepoint.path"]; ok {
		t.Error("no restore must clear a configured restore path")
	}
	if _, err := WithStart(base, "v1_20", "", false, "xyz"); err == nil {
		t.Error("a malformed job id must be refused")
	}
}
