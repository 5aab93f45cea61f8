package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/internal/flinkconf"
)

// jobManager builds the JobManager Deployment. Standalone runs the image's
// `standalone-job` (application) or `jobmanager` (session) command; native runs
// kubernetes-jobmanager.sh through the entrypoint, exactly as Flink's native deployer does,
// after which Flink creates its own TaskManager pods.
func (c *cluster) jobManager() (*appsv1.Deployment, error) {
	tmpl, err := componentTemplate(c.spec, ComponentJobManager, c.byName)
	if err != nil {
		return nil, err
	}
	labels := ComponentLabels(c.d.Name, c.mode, ComponentJobManager)
	req, lim := containerResources(c.conf, flinkconf.KeyJMMemory, flinkconf.KeyJMCPU, flinkconf.KeyJMMemLimit, flinkconf.KeyJMCPULimit, 1)
	vols, mounts := c.confVolumes(c.native)
	if c.native {
		v, m := c.artifactsVolume()
		vols, mounts = append(vols, v), append(mounts, m)
	}
	sv, sm := c.secretVolumes()
	vols, mounts = append(vols, sv...), append(mounts, sm...)
	env := append([]corev1.EnvVar{{Name: podIPEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}}},
		c.envFrom(flinkconf.KeyJobManagerEnvPrefix)...)
	env = append(env, c.secretEnv()...)
	obs, obsEnv := c.observability(flinkconf.KeyJobManagerEnvPrefix, tmpl.Spec.Containers)
	env = mergeEnv(env, obsEnv)
	restPort := intstr.FromInt32(flinkconf.RestPort)
	pod := decorate(tmpl, podSettings{
		labels:         labels,
		extraLabels:    c.conf.Map(flinkconf.KeyJMLabels),
		annotations:    merged(obs.annotations, c.conf.Map(flinkconf.KeyJMAnnotations)),
		nodeSelector:   c.conf.Map(flinkconf.KeyJMNodeSelector),
		serviceAccount: c.serviceAccount(),
		image:          c.spec.Image,
		defaultImage:   c.ver.DefaultImage,
		pullPolicy:     c.spec.ImagePullPolicy,
		command:        c.entryPoint(),
		args:           c.jobManagerArgs(),
		ports: append([]corev1.ContainerPort{
			{Name: "rest", ContainerPort: flinkconf.RestPort, Protocol: corev1.ProtocolTCP},
			{Name: "jobmanager-rpc", ContainerPort: flinkconf.RPCPort, Protocol: corev1.ProtocolTCP},
			{Name: "blobserver", ContainerPort: flinkconf.BlobPort, Protocol: corev1.ProtocolTCP},
		}, obs.ports...),
		env:         env,
		requests:    req,
		limits:      lim,
		volumes:     vols,
		mounts:      mounts,
		tolerations: c.tolerations(keyJMTolerations),
		pullSecrets: c.pullSecrets(),
		// Ready once the REST API answers; only the leader does, so the rest Service
		// always reaches the leading JobManager.
		readiness: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/config", Port: restPort}},
			PeriodSeconds: 5, FailureThreshold: 3, TimeoutSeconds: 5},
		liveness: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: restPort}},
			InitialDelaySeconds: 30, PeriodSeconds: 10, FailureThreshold: 6, TimeoutSeconds: 5},
	})
	replicas := int32(1)
	if jm := c.spec.JobManager; jm != nil && jm.Replicas > 0 {
		replicas = jm.Replicas
	}
	meta := objectMeta(c.d, c.names.JobManager, merged(c.conf.Map(flinkconf.KeyJMLabels), labels))
	meta.Annotations = c.conf.Map(flinkconf.KeyJMAnnotations)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: pod,
			// Never run an old and a new JobManager side by side.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		},
	}, nil
}

func (c *cluster) jobManagerArgs() []string {
	app := c.spec.Job != nil
	if c.native {
		target := flinkconf.TargetKubernetesSession
		if app {
			target = flinkconf.TargetKubernetesApplication
		}
		cmd := "kubernetes-jobmanager.sh " + target
		if extra := c.conf[flinkconf.KeyJMEntryArgs]; extra != "" {
			cmd += " " + extra
		}
		return []string{"bash", "-c", cmd}
	}
	// With HA there is no fixed JobManager address: each JobManager advertises its pod IP.
	var ha []string
	if c.conf.HAEnabled() {
		ha = []string{"-D", flinkconf.KeyRPCAddress + "=$(" + podIPEnv + ")"}
	}
	if !app {
		return append([]string{"jobmanager"}, ha...)
	}
	args := []string{"standalone-job"}
	if cls := c.spec.Job.EntryClass; cls != "" {
		args = append(args, "--job-classname", cls)
	}
	if c.jobID != "" {
		args = append(args, "--job-id", c.jobID)
	}
	if c.restore != nil && c.restore.Path != "" {
		args = append(args, "--fromSavepoint", c.restore.Path)
		if c.restore.AllowNonRestoredState {
			args = append(args, "--allowNonRestoredState")
		}
	}
	args = append(args, ha...)
	return append(args, c.spec.Job.Args...)
}
