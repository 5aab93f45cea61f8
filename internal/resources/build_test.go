package resources

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// basic is FKO's basic example.
const basic = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: basic-example
  namespace: flink
spec:
  image: flink:1.20
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  serviceAccount: flink
  jobManager:
    resource:
      memory: "2048m"
      cpu: 1
  taskManager:
    resource:
      memory: "2048m"
      cpu: 1
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
`

func mainOf(t *testing.T, p corev1.PodTemplateSpec) corev1.Container {
	t.Helper()
	if len(p.Spec.Containers) == 0 || p.Spec.Containers[0].Name != MainContainer {
		t.Fatalf("first container is not %s: %+v", MainContainer, p.Spec.Containers)
	}
	return p.Spec.Containers[0]
}

func TestNativeApplication(t *testing.T) {
	s := build(t, basic, nil, "")
	if s.TaskManager != nil {
		t.Error("native mode must not create a TaskManager Deployment")
	}
	jm := s.JobManager
	if jm.Name != "basic-example" || jm.Namespace != "flink" {
		t.Errorf("JobManager is %s/%s", jm.Namespace, jm.Name)
	}
	wantLabels := map[string]string{"app": "basic-example", "component": "jobmanager", "type": "flink-native-kubernetes"}
	if !reflect.DeepEqual(jm.Spec.Selector.MatchLabels, wantLabels) || !reflect.DeepEqual(jm.Spec.Template.Labels, wantLabels) {
		t.Errorf("labels = %v / %v, want %v", jm.Spec.Selector.MatchLabels, jm.Spec.Template.Labels, wantLabels)
	}
	c := mainOf(t, jm.Spec.Template)
	if !reflect.DeepEqual(c.Command, []string{"/docker-entrypoint.sh"}) ||
		!reflect.DeepEqual(c.Args, []string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}) {
		t.Errorf("command %v args %v", c.Command, c.Args)
	}
	if c.Image != "flink:1.20" {
		t.Errorf("image = %q", c.Image)
	}
	if got := c.Resources.Requests[corev1.ResourceMemory]; got.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("memory request = %s", got.String())
	}
	if got := c.Resources.Limits[corev1.ResourceCPU]; got.Cmp(resource.MustParse("1")) != 0 {
		t.Errorf("cpu limit = %s", got.String())
	}
	if jm.Spec.Template.Spec.ServiceAccountName != "flink" {
		t.Errorf("service account = %q", jm.Spec.Template.Spec.ServiceAccountName)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["flink-config-volume"] != "/opt/flink/conf" || mounts["pod-template-volume"] != "/opt/flink/pod-template" {
		t.Errorf("mounts = %v", mounts)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Port.IntValue() != 8081 {
		t.Errorf("readiness probe = %+v", c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.TCPSocket == nil {
		t.Errorf("liveness probe = %+v", c.LivenessProbe)
	}
	if len(c.Env) == 0 || c.Env[0].Name != "_POD_IP_ADDRESS" || c.Env[0].ValueFrom.FieldRef.FieldPath != "status.podIP" {
		t.Errorf("env = %+v", c.Env)
	}

	cm := s.ConfigMap
	if cm.Name != "flink-config-basic-example" {
		t.Errorf("ConfigMap name = %q", cm.Name)
	}
	for _, k := range []string{"flink-conf.yaml", Log4jFile, LogbackFile, "taskmanager-pod-template.yaml"} {
		if _, ok := cm.Data[k]; !ok {
			t.Errorf("ConfigMap lacks %s", k)
		}
	}
	for _, line := range []string{"execution.target: kubernetes-application\n", "kubernetes.cluster-id: basic-example\n",
		"pipeline.jars: local:///opt/flink/examples/streaming/StateMachineExample.jar\n", "jobmanager.memory.process.size: 2g\n",
		"kubernetes.container.image.ref: flink:1.20\n", "kubernetes.service-account: flink\n"} {
		if !strings.Contains(cm.Data["flink-conf.yaml"], line) {
			t.Errorf("flink-conf.yaml lacks %q:\n%s", line, cm.Data["flink-conf.yaml"])
		}
	}

	if s.RestService.Name != "basic-example-rest" || s.RestService.Spec.Ports[0].Port != 8081 || s.RestService.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("rest service = %+v", s.RestService)
	}
	in := s.InternalService
	if in.Name != "basic-example" || in.Spec.ClusterIP != corev1.ClusterIPNone || len(in.Spec.Ports) != 2 ||
		in.Spec.Ports[0].Port != 6123 || in.Spec.Ports[1].Port != 6124 {
		t.Errorf("internal service = %+v", in.Spec)
	}
	if s.Ingress != nil {
		t.Error("no ingress was asked for")
	}
	if s.Role == nil || s.RoleBinding == nil || s.RoleBinding.Subjects[0].Name != "flink" || s.RoleBinding.RoleRef.Name != s.Role.Name {
		t.Errorf("rbac = %+v %+v", s.Role, s.RoleBinding)
	}
	for name, refs := range map[string]int{
		"jm": len(jm.OwnerReferences), "cm": len(cm.OwnerReferences), "rest": len(s.RestService.OwnerReferences),
		"internal": len(in.OwnerReferences), "role": len(s.Role.OwnerReferences), "binding": len(s.RoleBinding.OwnerReferences),
	} {
		if refs != 1 {
			t.Errorf("%s has %d owner references", name, refs)
		}
	}
	if r := jm.OwnerReferences[0]; r.Kind != "FlinkDeployment" || r.APIVersion != "flink.apache.org/v1beta1" || r.Name != "basic-example" || r.UID != "uid-1" || !*r.Controller {
		t.Errorf("owner reference = %+v", r)
	}
}

func TestStandaloneJobManagerArgs(t *testing.T) {
	standalone := strings.Replace(basic, "  image:", "  mode: standalone\n  image:", 1)
	withClass := strings.Replace(standalone, "    parallelism: 2", "    parallelism: 2\n    entryClass: org.example.Main\n    args: [\"--input\", \"x\"]", 1)
	session := `
spec:
  mode: standalone
  flinkVersion: v2_1
  serviceAccount: flink
  jobManager: {resource: {memory: 1g}}
  taskManager: {resource: {memory: 1g}}
`
	ha := strings.Replace(withClass, "    taskmanager.numberOfTaskSlots: \"2\"",
		"    taskmanager.numberOfTaskSlots: \"2\"\n    high-availability.type: kubernetes\n    high-availability.storageDir: file:///ha", 1)
	cases := []struct {
		name     string
		manifest string
		restore  *Restore
		jobID    string
		want     []string
	}{
		{"application", withClass, nil, "", []string{"standalone-job", "--job-classname", "org.example.Main", "--input", "x"}},
		{"application without entry class", standalone, nil, "", []string{"standalone-job"}},
		{"restore and job id", withClass, &Restore{Path: "s3://b/sp-1", AllowNonRestoredState: true}, "0123456789abcdef0123456789abcdef",
			[]string{"standalone-job", "--job-classname", "org.example.Main", "--job-id", "0123456789abcdef0123456789abcdef",
				"--fromSavepoint", "s3://b/sp-1", "--allowNonRestoredState", "--input", "x"}},
		{"HA advertises the pod IP", ha, nil, "", []string{"standalone-job", "--job-classname", "org.example.Main",
			"-D", "jobmanager.rpc.address=$(_POD_IP_ADDRESS)", "--input", "x"}},
		{"session", session, &Restore{Path: "ignored"}, "0123456789abcdef0123456789abcdef", []string{"jobmanager"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t, tc.manifest, tc.restore, tc.jobID)
			c := mainOf(t, s.JobManager.Spec.Template)
			if !reflect.DeepEqual(c.Args, tc.want) {
				t.Errorf("args = %q, want %q", c.Args, tc.want)
			}
			if s.TaskManager == nil {
				t.Fatal("standalone mode needs a TaskManager Deployment")
			}
			tm := mainOf(t, s.TaskManager.Spec.Template)
			if !reflect.DeepEqual(tm.Args, []string{"taskmanager"}) {
				t.Errorf("taskmanager args = %q", tm.Args)
			}
			if s.JobManager.Spec.Template.Labels["type"] != TypeStandalone || s.TaskManager.Spec.Template.Labels["component"] != "taskmanager" {
				t.Errorf("labels = %v / %v", s.JobManager.Spec.Template.Labels, s.TaskManager.Spec.Template.Labels)
			}
			if _, hasTemplate := s.ConfigMap.Data["taskmanager-pod-template.yaml"]; hasTemplate {
				t.Error("standalone has no TaskManager pod template file")
			}
		})
	}
}

func TestRestoreAndJobIDInNativeConfig(t *testing.T) {
	s := build(t, strings.Replace(basic, "v1_20", "v2_1", 1), &Restore{Path: "s3://b/sp-1"}, "0123456789abcdef0123456789abcdef")
	conf := s.ConfigMap.Data["config.yaml"]
	var back map[string]any
	if err := yaml.Unmarshal([]byte(conf), &back); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if back["execution.state-recovery.path"] != "s3://b/sp-1" || back["$internal.pipeline.job-id"] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("config.yaml lacks restore or job id:\n%s", conf)
	}
	if _, old := back["execution.savepoint.path"]; old {
		t.Error("2.x must use the new restore key only")
	}
}

func TestTaskManagerReplicas(t *testing.T) {
	cases := []struct {
		extra string
		want  int32
	}{
		{"", 1}, // parallelism 2, 2 slots
		{"  taskManager:\n    replicas: 5\n", 5},
	}
	for _, tc := range cases {
		m := strings.Replace(basic, "  image:", "  mode: standalone\n  image:", 1)
		m = strings.Replace(m, "    parallelism: 2", "    parallelism: 3", 1) + tc.extra
		if tc.extra != "" {
			m = strings.Replace(m, "  taskManager:\n    resource:\n      memory: \"2048m\"\n      cpu: 1\n", "", 1)
		}
		s := build(t, m, nil, "")
		want := tc.want
		if tc.extra == "" {
			want = 2 // ceil(3 / 2)
		}
		if got := *s.TaskManager.Spec.Replicas; got != want {
			t.Errorf("replicas = %d, want %d", got, want)
		}
	}
}

func TestResourceForms(t *testing.T) {
	m := `
spec:
  mode: standalone
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    resources:
      requests: {memory: 1Gi, cpu: 500m, ephemeral-storage: 2Gi}
      limits: {memory: 2Gi, cpu: "1", ephemeral-storage: 4Gi}
  taskManager:
    resource: {memory: 3g, cpu: 2, ephemeralStorage: 5Gi}
`
	s := build(t, m, nil, "")
	jm := mainOf(t, s.JobManager.Spec.Template)
	check := func(what string, l corev1.ResourceList, name corev1.ResourceName, want string) {
		t.Helper()
		got, ok := l[name]
		if !ok || got.Cmp(resource.MustParse(want)) != 0 {
			t.Errorf("%s %s = %s, want %s", what, name, got.String(), want)
		}
	}
	check("jm request", jm.Resources.Requests, corev1.ResourceMemory, "1Gi")
	check("jm limit", jm.Resources.Limits, corev1.ResourceMemory, "2Gi")
	check("jm request", jm.Resources.Requests, corev1.ResourceCPU, "500m")
	check("jm limit", jm.Resources.Limits, corev1.ResourceCPU, "1")
	check("jm request", jm.Resources.Requests, corev1.ResourceEphemeralStorage, "2Gi")
	check("jm limit", jm.Resources.Limits, corev1.ResourceEphemeralStorage, "4Gi")
	tm := mainOf(t, s.TaskManager.Spec.Template)
	check("tm request", tm.Resources.Requests, corev1.ResourceMemory, "3Gi")
	check("tm request", tm.Resources.Requests, corev1.ResourceCPU, "2")
	check("tm limit", tm.Resources.Limits, corev1.ResourceEphemeralStorage, "5Gi")
	if !strings.Contains(s.ConfigMap.Data["flink-conf.yaml"], "kubernetes.jobmanager.memory.limit-factor: 2\n") {
		t.Errorf("limit factor missing:\n%s", s.ConfigMap.Data["flink-conf.yaml"])
	}
}

func TestTaskManagerSelector(t *testing.T) {
	if got := TaskManagerSelector("basic"); got != "app=basic,component=taskmanager" {
		t.Errorf("selector = %q", got)
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(Input{}); err == nil {
		t.Error("empty input must fail")
	}
	d := decode(t, "spec: {flinkVersion: v1_15}")
	if _, err := Build(Input{Deployment: d, Spec: &d.Spec}); err == nil || !strings.Contains(err.Error(), "v1_19") {
		t.Errorf("old version: %v", err)
	}
	d = decode(t, "spec: {flinkVersion: v1_20, mode: hybrid}")
	if _, err := Build(Input{Deployment: d, Spec: &d.Spec}); err == nil || !strings.Contains(err.Error(), "spec.mode") {
		t.Errorf("bad mode: %v", err)
	}
	d = decode(t, "spec: {flinkVersion: v1_20, job: {jarURI: 'local:///j.jar'}}")
	if _, err := Build(Input{Deployment: d, Spec: &d.Spec, JobID: "nope"}); err == nil {
		t.Error("bad job id must fail")
	}
}
