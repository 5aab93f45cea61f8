package resources

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/flinkdist"
)

// TestAgainstRealFlinkNativeDeployer has Flink's own native deployer (the
// KubernetesJobManagerFactory of each pinned line, run by testdata/NativeSpec.java) build
// the JobManager objects from the configuration weir rendered, and compares them with
// weir's: what the pods run, expose, mount and request, and how the objects are named,
// labelled and selected.
func TestAgainstRealFlinkNativeDeployer(t *testing.T) {
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to compare with Flink's native deployer")
	}
	javaHome, err := flinkdist.JavaHome()
	if err != nil {
		t.Fatal(err)
	}
	source, err := filepath.Abs("testdata/NativeSpec.java")
	if err != nil {
		t.Fatal(err)
	}
	session := `
metadata: {name: sess, namespace: flink}
spec:
  flinkVersion: VERSION
  serviceAccount: flink
  flinkConfiguration:
    containerized.master.env.ENABLE_BUILT_IN_PLUGINS: flink-s3-fs-presto.jar
    kubernetes.jobmanager.labels: "team:data"
    kubernetes.jobmanager.node-selector: "disk:ssd"
    kubernetes.jobmanager.tolerations: "key:dedicated,operator:Equal,value:flink,effect:NoSchedule;key:spot,operator:Exists,effect:NoExecute,tolerationSeconds:60"
    kubernetes.container.image.pull-secrets: "regcred;other"
    kubernetes.secrets: "s3-creds:/opt/secrets/s3,tls:/opt/tls"
    kubernetes.env.secretKeyRef: "env:AWS_KEY,secret:s3-creds,key:access;env:AWS_SECRET,secret:s3-creds,key:secret"
  jobManager:
    resources: {requests: {memory: 1536Mi, cpu: 500m}, limits: {memory: 3Gi, cpu: "2"}}
  taskManager: {resource: {memory: 2g}}
`
	for _, line := range flinkdist.Lines() {
		version := "v" + strings.ReplaceAll(line, ".", "_")
		for name, manifest := range map[string]string{
			"application": strings.Replace(basic, "v1_20", version, 1),
			"session":     strings.Replace(session, "VERSION", version, 1),
		} {
			t.Run(line+"/"+name, func(t *testing.T) {
				home, err := flinkdist.Ensure(context.Background(), line)
				if err != nil {
					t.Fatal(err)
				}
				ours := build(t, manifest, nil, "")
				dir := t.TempDir()
				for k, v := range ours.ConfigMap.Data {
					if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				dist, _ := filepath.Glob(filepath.Join(home, "lib", "flink-dist*.jar"))
				cmd := exec.Command(filepath.Join(javaHome, "bin", "java"), "-cp", strings.Join(dist, ":"), source,
					dir, filepath.Join(dir, flinkconf.TMPodTemplateFile))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Run(); err != nil {
					t.Fatalf("Flink's deployer: %v\n%s", err, out.String())
				}
				_, docs, ok := strings.Cut(out.String(), "=====BEGIN=====\n")
				if !ok {
					t.Fatalf("no output from Flink's deployer:\n%s", out.String())
				}
				flink := map[string][]byte{}
				for _, doc := range strings.Split(docs, "\n---\n") {
					doc = strings.TrimPrefix(strings.TrimSpace(doc), "---")
					var meta struct {
						Kind     string
						Metadata struct{ Name string }
					}
					if err := yaml.Unmarshal([]byte(doc), &meta); err != nil || meta.Kind == "" {
						continue
					}
					flink[meta.Kind+"/"+meta.Metadata.Name] = []byte(doc)
				}
				compareNative(t, ours, flink)
			})
		}
	}
}

func compareNative(t *testing.T, ours *Set, flink map[string][]byte) {
	t.Helper()
	var dep appsv1.Deployment
	if err := yaml.Unmarshal(flink["Deployment/"+ours.JobManager.Name], &dep); err != nil || dep.Name == "" {
		t.Fatalf("Flink built no Deployment %q (%v); got %v", ours.JobManager.Name, err, keys(flink))
	}
	if !reflect.DeepEqual(dep.Spec.Selector.MatchLabels, ours.JobManager.Spec.Selector.MatchLabels) {
		t.Errorf("selector: flink %v, weir %v", dep.Spec.Selector.MatchLabels, ours.JobManager.Spec.Selector.MatchLabels)
	}
	for k, v := range dep.Spec.Template.Labels {
		if ours.JobManager.Spec.Template.Labels[k] != v {
			t.Errorf("pod label %s: flink %q, weir %q", k, v, ours.JobManager.Spec.Template.Labels[k])
		}
	}
	if *dep.Spec.Replicas != *ours.JobManager.Spec.Replicas {
		t.Errorf("replicas: flink %d, weir %d", *dep.Spec.Replicas, *ours.JobManager.Spec.Replicas)
	}
	fp, wp := dep.Spec.Template.Spec, ours.JobManager.Spec.Template.Spec
	if fp.ServiceAccountName != wp.ServiceAccountName {
		t.Errorf("service account: flink %q, weir %q", fp.ServiceAccountName, wp.ServiceAccountName)
	}
	if !reflect.DeepEqual(fp.NodeSelector, wp.NodeSelector) {
		t.Errorf("node selector: flink %v, weir %v", fp.NodeSelector, wp.NodeSelector)
	}
	if !reflect.DeepEqual(fp.Tolerations, wp.Tolerations) {
		t.Errorf("tolerations: flink %+v, weir %+v", fp.Tolerations, wp.Tolerations)
	}
	if !reflect.DeepEqual(fp.ImagePullSecrets, wp.ImagePullSecrets) {
		t.Errorf("pull secrets: flink %v, weir %v", fp.ImagePullSecrets, wp.ImagePullSecrets)
	}
	vols := func(p corev1.PodSpec) map[string]string {
		m := map[string]string{}
		for _, v := range p.Volumes {
			switch {
			case v.Secret != nil:
				m[v.Name] = "secret:" + v.Secret.SecretName
			case v.ConfigMap != nil:
				m[v.Name] = "configmap"
			case v.EmptyDir != nil:
				m[v.Name] = "emptyDir"
			default:
				m[v.Name] = "other"
			}
		}
		return m
	}
	if !reflect.DeepEqual(vols(fp), vols(wp)) {
		t.Errorf("volumes: flink %v, weir %v", vols(fp), vols(wp))
	}
	var fc corev1.Container
	for _, c := range fp.Containers {
		if c.Name == MainContainer {
			fc = c
		}
	}
	wc := wp.Containers[0]
	if fc.Image != wc.Image || !reflect.DeepEqual(fc.Command, wc.Command) {
		t.Errorf("image/command: flink %q %q, weir %q %q", fc.Image, fc.Command, wc.Image, wc.Command)
	}
	trim := func(a []string) []string {
		out := append([]string(nil), a...)
		for i := range out {
			out[i] = strings.TrimSpace(out[i])
		}
		return out
	}
	if !reflect.DeepEqual(trim(fc.Args), trim(wc.Args)) {
		t.Errorf("args: flink %q, weir %q", fc.Args, wc.Args)
	}
	ports := func(c corev1.Container) map[string]int32 {
		m := map[string]int32{}
		for _, p := range c.Ports {
			m[p.Name] = p.ContainerPort
		}
		return m
	}
	if !reflect.DeepEqual(ports(fc), ports(wc)) {
		t.Errorf("ports: flink %v, weir %v", ports(fc), ports(wc))
	}
	envs := func(c corev1.Container) []string {
		var out []string
		for _, e := range c.Env {
			out = append(out, e.Name)
		}
		sort.Strings(out)
		return out
	}
	secretRefs := func(c corev1.Container) map[string]string {
		m := map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				m[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			}
		}
		return m
	}
	if !reflect.DeepEqual(secretRefs(fc), secretRefs(wc)) {
		t.Errorf("secret env: flink %v, weir %v", secretRefs(fc), secretRefs(wc))
	}
	if !reflect.DeepEqual(envs(fc), envs(wc)) {
		t.Errorf("env: flink %v, weir %v", envs(fc), envs(wc))
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if f, w := fc.Resources.Requests[r], wc.Resources.Requests[r]; f.Cmp(w) != 0 {
			t.Errorf("%s request: flink %s, weir %s", r, f.String(), w.String())
		}
		if f, w := fc.Resources.Limits[r], wc.Resources.Limits[r]; f.Cmp(w) != 0 {
			t.Errorf("%s limit: flink %s, weir %s", r, f.String(), w.String())
		}
	}
	mounts := func(c corev1.Container) []string {
		var out []string
		for _, m := range c.VolumeMounts {
			out = append(out, m.Name+":"+m.MountPath)
		}
		sort.Strings(out)
		return out
	}
	if !reflect.DeepEqual(mounts(fc), mounts(wc)) {
		t.Errorf("mounts: flink %v, weir %v", mounts(fc), mounts(wc))
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(flink["ConfigMap/"+ours.ConfigMap.Name], &cm); err != nil || cm.Name == "" {
		t.Fatalf("Flink built no ConfigMap %q; got %v", ours.ConfigMap.Name, keys(flink))
	}
	for k := range cm.Data {
		if _, ok := ours.ConfigMap.Data[k]; !ok {
			t.Errorf("Flink's ConfigMap has %s, weir's does not", k)
		}
	}
	for _, want := range []*corev1.Service{ours.RestService, ours.InternalService} {
		var svc corev1.Service
		if err := yaml.Unmarshal(flink["Service/"+want.Name], &svc); err != nil || svc.Name == "" {
			t.Errorf("Flink built no Service %q; got %v", want.Name, keys(flink))
			continue
		}
		if svc.Spec.Type != want.Spec.Type || svc.Spec.ClusterIP != want.Spec.ClusterIP && want.Spec.ClusterIP == corev1.ClusterIPNone {
			t.Errorf("service %s: flink type %s clusterIP %q, weir %s %q", want.Name, svc.Spec.Type, svc.Spec.ClusterIP, want.Spec.Type, want.Spec.ClusterIP)
		}
		if !reflect.DeepEqual(svc.Spec.Selector, want.Spec.Selector) {
			t.Errorf("service %s selector: flink %v, weir %v", want.Name, svc.Spec.Selector, want.Spec.Selector)
		}
		sp := func(s corev1.Service) map[string]int32 {
			m := map[string]int32{}
			for _, p := range s.Spec.Ports {
				m[p.Name] = p.Port
			}
			return m
		}
		if !reflect.DeepEqual(sp(svc), sp(*want)) {
			t.Errorf("service %s ports: flink %v, weir %v", want.Name, sp(svc), sp(*want))
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
