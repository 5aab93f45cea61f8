package resources

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

// podSettings is what the operator puts on a JobManager or TaskManager pod, over the
// user's layered pod template.
type podSettings struct {
	labels         map[string]string // operator labels; they win over the template's
	extraLabels    map[string]string // kubernetes.<component>.labels
	annotations    map[string]string // kubernetes.<component>.annotations
	nodeSelector   map[string]string
	serviceAccount string // spec.serviceAccount; empty keeps the template's
	image          string // spec.image; empty keeps the template's, else defaultImage
	defaultImage   string
	pullPolicy     string
	command, args  []string
	ports          []corev1.ContainerPort
	env            []corev1.EnvVar
	requests       corev1.ResourceList
	limits         corev1.ResourceList
	volumes        []corev1.Volume
	mounts         []corev1.VolumeMount
	readiness      *corev1.Probe
	liveness       *corev1.Probe
	tolerations    []corev1.Toleration
	pullSecrets    []corev1.LocalObjectReference
}

// decorate applies the operator's settings to a pod template. User sidecars, init
// containers, volumes and fields the operator does not own are kept; the main container is
// put first so that `kubectl logs` and `exec` pick it.
func decorate(t *v1beta1.PodTemplate, s podSettings) corev1.PodTemplateSpec {
	t = t.DeepCopy()
	meta := metav1.ObjectMeta{
		Labels:      merged(t.ObjectMeta.Labels, s.extraLabels, s.labels),
		Annotations: merged(t.ObjectMeta.Annotations, s.annotations, map[string]string{"kubectl.kubernetes.io/default-container": MainContainer}),
	}
	spec := t.Spec
	if s.serviceAccount != "" {
		spec.ServiceAccountName = s.serviceAccount
		spec.DeprecatedServiceAccount = ""
	}
	spec.RestartPolicy = corev1.RestartPolicyAlways // Deployments accept nothing else
	spec.NodeSelector = merged(spec.NodeSelector, s.nodeSelector)
	spec.Tolerations = append(spec.Tolerations, s.tolerations...)
	for _, ps := range s.pullSecrets {
		dup := false
		for _, have := range spec.ImagePullSecrets {
			dup = dup || have.Name == ps.Name
		}
		if !dup {
			spec.ImagePullSecrets = append(spec.ImagePullSecrets, ps)
		}
	}

	main := *mainContainerOf(&spec)
	containers := []corev1.Container{}
	for _, c := range spec.Containers {
		if c.Name != MainContainer {
			containers = append(containers, c)
		}
	}
	main.Name = MainContainer
	switch {
	case s.image != "":
		main.Image = s.image
	case main.Image == "":
		main.Image = s.defaultImage
	}
	if s.pullPolicy != "" {
		main.ImagePullPolicy = corev1.PullPolicy(s.pullPolicy)
	}
	main.Command = s.command
	main.Args = s.args
	main.Ports = mergePorts(main.Ports, s.ports)
	main.Env = mergeEnv(main.Env, s.env)
	main.Resources.Requests = mergedResources(main.Resources.Requests, s.requests)
	main.Resources.Limits = mergedResources(main.Resources.Limits, s.limits)
	main.VolumeMounts = mergeMounts(main.VolumeMounts, s.mounts)
	if main.ReadinessProbe == nil {
		main.ReadinessProbe = s.readiness
	}
	if main.LivenessProbe == nil {
		main.LivenessProbe = s.liveness
	}
	spec.Containers = append([]corev1.Container{main}, containers...)
	spec.Volumes = mergeVolumes(spec.Volumes, s.volumes)
	return corev1.PodTemplateSpec{ObjectMeta: meta, Spec: spec}
}

// merged returns the union of maps, later ones winning; nil when all are empty.
func merged(ms ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range ms {
		for k, v := range m {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

func mergedResources(tmpl, ours corev1.ResourceList) corev1.ResourceList {
	if len(tmpl)+len(ours) == 0 {
		return nil
	}
	out := corev1.ResourceList{}
	for k, v := range tmpl {
		out[k] = v
	}
	for k, v := range ours {
		out[k] = v
	}
	return out
}

// mergePorts drops template ports that clash with the operator's by name or number.
func mergePorts(tmpl, ours []corev1.ContainerPort) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, p := range tmpl {
		clash := false
		for _, o := range ours {
			if (p.Name != "" && p.Name == o.Name) || p.ContainerPort == o.ContainerPort {
				clash = true
			}
		}
		if !clash {
			out = append(out, p)
		}
	}
	return append(out, ours...)
}

// mergeEnv keeps the template's variables in order, the operator's winning by name (also
// weir's observability variables over a FLINK_PROPERTIES from containerized.*.env., which
// they already carry forward).
func mergeEnv(tmpl, ours []corev1.EnvVar) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, e := range tmpl {
		clash := false
		for _, o := range ours {
			clash = clash || e.Name == o.Name
		}
		if !clash {
			out = append(out, e)
		}
	}
	return append(out, ours...)
}

func mergeMounts(tmpl, ours []corev1.VolumeMount) []corev1.VolumeMount {
	var out []corev1.VolumeMount
	for _, m := range tmpl {
		clash := false
		for _, o := range ours {
			clash = clash || m.Name == o.Name || m.MountPath == o.MountPath
		}
		if !clash {
			out = append(out, m)
		}
	}
	return append(out, ours...)
}

func mergeVolumes(tmpl, ours []corev1.Volume) []corev1.Volume {
	var out []corev1.Volume
	for _, v := range tmpl {
		clash := false
		for _, o := range ours {
			clash = clash || v.Name == o.Name
		}
		if !clash {
			out = append(out, v)
		}
	}
	return append(out, ours...)
}
