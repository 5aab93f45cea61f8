package resources

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/internal/flinkconf"
)

// Flink's Kubernetes options that shape the JobManager pod (and, in standalone mode, the
// TaskManager pod), applied as Flink's own decorators apply them in native mode.
const (
	keyPullSecrets     = "kubernetes.container.image.pull-secrets"
	keyJMTolerations   = "kubernetes.jobmanager.tolerations"
	keyTMTolerations   = "kubernetes.taskmanager.tolerations"
	keySecrets         = "kubernetes.secrets"
	keyEnvSecretKeyRef = "kubernetes.env.secretKeyRef"
)

// listOfMaps reads Flink's "k:v,k:v;k:v,k:v" list-of-maps form.
func listOfMaps(v string) []map[string]string {
	var out []map[string]string
	for _, item := range strings.Split(v, ";") {
		m := flinkconf.Conf{"x": item}.Map("x")
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func (c *cluster) pullSecrets() []corev1.LocalObjectReference {
	var out []corev1.LocalObjectReference
	for _, s := range strings.Split(c.conf[keyPullSecrets], ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, corev1.LocalObjectReference{Name: s})
		}
	}
	return out
}

func (c *cluster) tolerations(key string) []corev1.Toleration {
	var out []corev1.Toleration
	for _, m := range listOfMaps(c.conf[key]) {
		t := corev1.Toleration{Key: m["key"], Operator: corev1.TolerationOperator(m["operator"]),
			Value: m["value"], Effect: corev1.TaintEffect(m["effect"])}
		if s, err := strconv.ParseInt(m["tolerationSeconds"], 10, 64); err == nil {
			t.TolerationSeconds = &s
		}
		out = append(out, t)
	}
	return out
}

// secretVolumes mounts kubernetes.secrets ("name:/path,…") as Flink does.
func (c *cluster) secretVolumes() ([]corev1.Volume, []corev1.VolumeMount) {
	secrets := c.conf.Map(keySecrets)
	names := make([]string, 0, len(secrets))
	for n := range secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	for _, n := range names {
		vols = append(vols, corev1.Volume{Name: n + "-volume", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: n}}})
		mounts = append(mounts, corev1.VolumeMount{Name: n + "-volume", MountPath: secrets[n]})
	}
	return vols, mounts
}

// secretEnv reads kubernetes.env.secretKeyRef ("env:NAME,secret:s,key:k;…").
func (c *cluster) secretEnv() []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, m := range listOfMaps(c.conf[keyEnvSecretKeyRef]) {
		if m["env"] == "" || m["secret"] == "" {
			continue
		}
		out = append(out, corev1.EnvVar{Name: m["env"], ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: m["secret"]}, Key: m["key"]}}})
	}
	return out
}
