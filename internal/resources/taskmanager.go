package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/internal/flinkconf"
)

// taskManager builds the standalone TaskManager Deployment `<name>-taskmanager`.
func (c *cluster) taskManager() (*appsv1.Deployment, error) {
	tmpl, err := componentTemplate(c.spec, ComponentTaskManager, c.byName)
	if err != nil {
		return nil, err
	}
	labels := ComponentLabels(c.d.Name, c.mode, ComponentTaskManager)
	// Flink's TaskManager cpu defaults to its slot count.
	req, lim := containerResources(c.conf, flinkconf.KeyTMMemory, flinkconf.KeyTMCPU, flinkconf.KeyTMMemLimit, flinkconf.KeyTMCPULimit, float64(c.conf.Slots()))
	vols, mounts := c.confVolumes(false)
	sv, sm := c.secretVolumes()
	vols, mounts = append(vols, sv...), append(mounts, sm...)
	obs, obsEnv := c.observability(flinkconf.KeyTaskManagerEnvPrefix, tmpl.Spec.Containers)
	pod := decorate(tmpl, podSettings{
		labels:         labels,
		extraLabels:    c.conf.Map(flinkconf.KeyTMLabels),
		annotations:    merged(obs.annotations, c.conf.Map(flinkconf.KeyTMAnnotations)),
		nodeSelector:   c.conf.Map(flinkconf.KeyTMNodeSelector),
		serviceAccount: c.serviceAccount(),
		image:          c.spec.Image,
		defaultImage:   c.ver.DefaultImage,
		pullPolicy:     c.spec.ImagePullPolicy,
		command:        c.entryPoint(),
		args:           []string{"taskmanager"},
		ports:          append([]corev1.ContainerPort{{Name: "rpc", ContainerPort: flinkconf.TMRPCPort, Protocol: corev1.ProtocolTCP}}, obs.ports...),
		env:            mergeEnv(append(c.envFrom(flinkconf.KeyTaskManagerEnvPrefix), c.secretEnv()...), obsEnv),
		requests:       req,
		limits:         lim,
		volumes:        vols,
		mounts:         mounts,
		tolerations:    c.tolerations(keyTMTolerations),
		pullSecrets:    c.pullSecrets(),
	})
	c.withQueryableStateRuntime(&pod.Spec)
	replicas := flinkconf.TaskManagerReplicas(c.spec, c.conf)
	meta := objectMeta(c.d, c.names.TaskManager, merged(c.conf.Map(flinkconf.KeyTMLabels), labels))
	meta.Annotations = c.conf.Map(flinkconf.KeyTMAnnotations)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: pod,
		},
	}, nil
}
