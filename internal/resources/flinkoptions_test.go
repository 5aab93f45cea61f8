package resources

import (
	"testing"
)

func TestFlinkPodOptions(t *testing.T) {
	m := `
spec:
  mode: standalone
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    kubernetes.taskmanager.tolerations: "key:spot,operator:Exists,effect:NoExecute,tolerationSeconds:60"
    kubernetes.container.image.pull-secrets: "regcred"
    kubernetes.secrets: "s3-creds:/opt/secrets/s3"
    kubernetes.env.secretKeyRef: "env:AWS_KEY,secret:s3-creds,key:access"
    kubernetes.taskmanager.node-selector: "disk:ssd"
  jobManager: {resource: {memory: 1g}}
  taskManager: {resource: {memory: 1g}}
`
	s := build(t, m, nil, "")
	tm := s.TaskManager.Spec.Template.Spec
	if len(tm.Tolerations) != 1 || tm.Tolerations[0].Key != "spot" || *tm.Tolerations[0].TolerationSeconds != 60 {
		t.Errorf("tolerations = %+v", tm.Tolerations)
	}
	if len(s.JobManager.Spec.Template.Spec.Tolerations) != 0 {
		t.Error("taskmanager tolerations leaked onto the JobManager")
	}
	if len(tm.ImagePullSecrets) != 1 || tm.ImagePullSecrets[0].Name != "regcred" || tm.NodeSelector["disk"] != "ssd" {
		t.Errorf("pull secrets %v node selector %v", tm.ImagePullSecrets, tm.NodeSelector)
	}
	c := mainOf(t, s.TaskManager.Spec.Template)
	found := false
	for _, e := range c.Env {
		found = found || (e.Name == "AWS_KEY" && e.ValueFrom.SecretKeyRef.Name == "s3-creds" && e.ValueFrom.SecretKeyRef.Key == "access")
	}
	mounted := false
	for _, vm := range c.VolumeMounts {
		mounted = mounted || (vm.Name == "s3-creds-volume" && vm.MountPath == "/opt/secrets/s3")
	}
	if !found || !mounted {
		t.Errorf("secret env %v / mount %v missing: %+v %+v", found, mounted, c.Env, c.VolumeMounts)
	}
}
