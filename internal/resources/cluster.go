package resources

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// cluster is the build context: the validated input plus derived facts.
type cluster struct {
	d       *v1beta1.FlinkDeployment
	spec    *v1beta1.FlinkDeploymentSpec
	conf    flinkconf.Conf // with restore and job id applied
	ver     flinkconf.Version
	names   ObjectNames
	mode    v1beta1.DeploymentMode
	native  bool
	restore *Restore
	jobID   string
	byName  bool
	logs    map[string]string
}

// Volume names and mount points.
const (
	confVolume        = "flink-config-volume"
	podTemplateVolume = "pod-template-volume"
	artifactsVolume   = "user-artifacts-volume"
	podIPEnv          = "_POD_IP_ADDRESS"
)

func (c *cluster) entryPoint() []string {
	if p := strings.TrimSpace(c.conf[flinkconf.KeyEntryPath]); p != "" {
		return []string{p}
	}
	return []string{flinkconf.EntryPoint}
}

func (c *cluster) serviceAccount() string { return c.spec.ServiceAccount }

// confVolumes mount the Flink configuration and log files at /opt/flink/conf, as Flink
// mounts flink-config-<name>; native JobManagers also get the TaskManager pod template
// where Flink's resource manager looks for it.
func (c *cluster) confVolumes(withPodTemplate bool) ([]corev1.Volume, []corev1.VolumeMount) {
	files := []string{c.ver.ConfigFile}
	for f := range c.logs {
		files = append(files, f)
	}
	sort.Strings(files[1:])
	items := make([]corev1.KeyToPath, len(files))
	for i, f := range files {
		items[i] = corev1.KeyToPath{Key: f, Path: f}
	}
	vols := []corev1.Volume{{Name: confVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: c.names.ConfigMap}, Items: items}}}}
	mounts := []corev1.VolumeMount{{Name: confVolume, MountPath: c.confDir()}}
	if withPodTemplate {
		vols = append(vols, corev1.Volume{Name: podTemplateVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: c.names.ConfigMap},
			Items:                []corev1.KeyToPath{{Key: flinkconf.TMPodTemplateFile, Path: flinkconf.TMPodTemplateFile}}}}})
		mounts = append(mounts, corev1.VolumeMount{Name: podTemplateVolume, MountPath: flinkconf.PodTemplateDir})
	}
	return vols, mounts
}

// artifactsVolume is where a native JobManager fetches remote job jars
// (user.artifacts.base-dir); Flink's deployer mounts an emptyDir there.
func (c *cluster) artifactsVolume() (corev1.Volume, corev1.VolumeMount) {
	dir := strings.TrimSpace(c.conf[flinkconf.KeyArtifactsDir])
	if dir == "" {
		dir = flinkconf.ArtifactsDir
	}
	return corev1.Volume{Name: artifactsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.VolumeMount{Name: artifactsVolume, MountPath: dir}
}

func (c *cluster) confDir() string {
	if d := strings.TrimSpace(c.conf[flinkconf.KeyFlinkConfDir]); d != "" {
		return d
	}
	return flinkconf.ConfDir
}

// envFrom turns containerized.*.env.NAME keys into container variables, sorted by name.
func (c *cluster) envFrom(prefix string) []corev1.EnvVar {
	m := c.conf.WithPrefix(prefix)
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]corev1.EnvVar, 0, len(names))
	for _, n := range names {
		out = append(out, corev1.EnvVar{Name: n, Value: m[n]})
	}
	return out
}
