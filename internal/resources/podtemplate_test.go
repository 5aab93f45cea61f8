package resources

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

func TestPodTemplateLayers(t *testing.T) {
	m := `
spec:
  flinkVersion: v1_20
  mode: standalone
  serviceAccount: flink
  podTemplate:
    metadata:
      labels: {team: data, app: spoofed}
    spec:
      securityContext: {runAsUser: 9999}
      initContainers:
        - name: fetch-jar
          image: busybox:1.36
          command: [sh, -c, "echo fetch"]
      containers:
        - name: flink-main-container
          env: [{name: SHARED, value: base}, {name: _POD_IP_ADDRESS, value: spoofed}]
          volumeMounts: [{name: data, mountPath: /data}]
        - name: log-shipper
          image: fluent-bit:3
      volumes: [{name: data, emptyDir: {}}]
  jobManager:
    resource: {memory: 1g}
    podTemplate:
      spec:
        containers:
          - name: flink-main-container
            env: [{name: SHARED, value: jm}, {name: JM_ONLY, value: "1"}]
          - name: log-shipper
            args: [--jm]
  taskManager:
    resource: {memory: 1g}
  flinkConfiguration:
    containerized.master.env.ENABLE_BUILT_IN_PLUGINS: flink-s3-fs-presto-1.20.0.jar
`
	s := build(t, m, nil, "")
	pod := s.JobManager.Spec.Template
	if pod.Labels["team"] != "data" || pod.Labels["app"] != "basic" {
		t.Errorf("labels = %v (user labels kept, operator labels win)", pod.Labels)
	}
	if pod.Spec.SecurityContext == nil || *pod.Spec.SecurityContext.RunAsUser != 9999 {
		t.Error("pod securityContext from the base template is lost")
	}
	if len(pod.Spec.InitContainers) != 1 || pod.Spec.InitContainers[0].Name != "fetch-jar" {
		t.Errorf("init containers = %+v", pod.Spec.InitContainers)
	}
	if len(pod.Spec.Containers) != 2 || pod.Spec.Containers[1].Name != "log-shipper" ||
		pod.Spec.Containers[1].Image != "fluent-bit:3" || !reflect.DeepEqual(pod.Spec.Containers[1].Args, []string{"--jm"}) {
		t.Errorf("sidecar = %+v", pod.Spec.Containers)
	}
	c := mainOf(t, pod)
	env := map[string]string{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("env %s set twice", e.Name)
		}
		env[e.Name] = e.Value
	}
	if env["SHARED"] != "jm" || env["JM_ONLY"] != "1" || env["_POD_IP_ADDRESS"] != "" || env["ENABLE_BUILT_IN_PLUGINS"] != "flink-s3-fs-presto-1.20.0.jar" {
		t.Errorf("env = %v", env)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["data"] != "/data" || mounts["flink-config-volume"] != "/opt/flink/conf" {
		t.Errorf("mounts = %v", mounts)
	}
	vols := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = true
	}
	if !vols["data"] || !vols["flink-config-volume"] {
		t.Errorf("volumes = %v", vols)
	}
	// The TaskManager gets the base template only.
	tm := s.TaskManager.Spec.Template
	if len(tm.Spec.Containers) != 2 || tm.Spec.Containers[1].Args != nil {
		t.Errorf("taskmanager sidecar = %+v", tm.Spec.Containers)
	}
	if tmEnv := mainOf(t, tm).Env; len(tmEnv) != 2 || tmEnv[0].Value != "base" {
		t.Errorf("taskmanager env = %+v", tmEnv)
	}
}

func TestMergePodTemplatesPositional(t *testing.T) {
	d := decode(t, `
spec:
  flinkVersion: v1_20
  podTemplate:
    spec:
      containers: [{name: a, image: img-a}, {name: b, image: img-b}]
  jobManager:
    podTemplate:
      spec:
        containers: [{name: b, image: img-c}]
`)
	byName, err := MergePodTemplates(d.Spec.PodTemplate, d.Spec.JobManager.PodTemplate, true)
	if err != nil {
		t.Fatal(err)
	}
	if c := byName.Spec.Containers; len(c) != 2 || c[0].Image != "img-a" || c[1].Image != "img-c" {
		t.Errorf("by name: %+v", c)
	}
	byPos, err := MergePodTemplates(d.Spec.PodTemplate, d.Spec.JobManager.PodTemplate, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := byPos.Spec.Containers; len(c) != 2 || c[0].Name != "b" || c[0].Image != "img-c" || c[1].Image != "img-b" {
		t.Errorf("by position: %+v", c)
	}
	if d.Spec.PodTemplate.Spec.Containers[0].Image != "img-a" {
		t.Error("merge changed its input")
	}
}

func TestNativeTaskManagerPodTemplate(t *testing.T) {
	m := strings.Replace(basic, "  taskManager:\n", `  podTemplate:
    spec:
      containers:
        - name: sidecar
          image: busybox
  taskManager:
    podTemplate:
      metadata:
        annotations: {tm: "yes"}
`, 1)
	s := build(t, m, nil, "")
	var pod corev1.Pod
	if err := yaml.Unmarshal([]byte(s.ConfigMap.Data["taskmanager-pod-template.yaml"]), &pod); err != nil {
		t.Fatal(err)
	}
	if pod.Kind != "Pod" || pod.Annotations["tm"] != "yes" || len(pod.Spec.Containers) != 1 || pod.Spec.Containers[0].Name != "sidecar" {
		t.Errorf("taskmanager pod template = %+v", pod)
	}
}

func TestTaskManagerTemplateWithOddCharacters(t *testing.T) {
	odd := "a\x7fb\u0085c\ufeffd\u0001e\u2028f"
	d := decode(t, basic)
	d.Spec.TaskManager.PodTemplate = &v1beta1.PodTemplate{}
	d.Spec.TaskManager.PodTemplate.ObjectMeta.Annotations = map[string]string{"note": odd}
	s, err := Build(Input{Deployment: d, Spec: &d.Spec})
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := yaml.Unmarshal([]byte(s.ConfigMap.Data["taskmanager-pod-template.yaml"]), &pod); err != nil {
		t.Fatal(err)
	}
	if pod.Annotations["note"] != odd {
		t.Errorf("annotation came back as %q, want %q", pod.Annotations["note"], odd)
	}
}
