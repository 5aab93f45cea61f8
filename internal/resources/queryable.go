package resources

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/internal/flinkconf"
)

// QueryableStatePortName names the TaskManagers' queryable-state client proxy port, on
// their pods and on the `<name>-queryable-state` Service.
const QueryableStatePortName = "queryable-state"

// queryableStatePort is the TaskManagers' client proxy port when the configuration turns
// queryable state on for Flink 1.x (validation rejects it on 2.x and a port that is none).
func (c *cluster) queryableStatePort() (int32, bool) {
	if !strings.HasPrefix(string(c.spec.FlinkVersion), "v1_") || !flinkconf.QueryableStateEnabled(c.conf) {
		return 0, false
	}
	p, err := flinkconf.QueryableStateProxyPort(c.conf)
	return p, err == nil
}

func (c *cluster) queryableStateContainerPorts() []corev1.ContainerPort {
	p, ok := c.queryableStatePort()
	if !ok {
		return nil
	}
	return []corev1.ContainerPort{{Name: QueryableStatePortName, ContainerPort: p, Protocol: corev1.ProtocolTCP}}
}

// queryableStateService is `<name>-queryable-state`, a TCP Service on the TaskManagers'
// client proxy port, of kubernetes.operator.weir.queryable-state.service-type (ClusterIP
// unless set) with its annotations; nil when queryable state is off.
func (c *cluster) queryableStateService() *corev1.Service {
	port, ok := c.queryableStatePort()
	if !ok {
		return nil
	}
	typ := corev1.ServiceTypeClusterIP
	switch strings.TrimSpace(c.conf[flinkconf.KeyQueryableStateType]) {
	case "NodePort":
		typ = corev1.ServiceTypeNodePort
	case "LoadBalancer":
		typ = corev1.ServiceTypeLoadBalancer
	}
	meta := objectMeta(c.d, c.names.QueryableStateService, CommonLabels(c.d.Name, c.mode))
	meta.Annotations = c.conf.Map(flinkconf.KeyQueryableStateAnnotations)
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: ComponentLabels(c.d.Name, c.mode, ComponentTaskManager),
			Ports: []corev1.ServicePort{{Name: QueryableStatePortName, Port: port,
				TargetPort: intstr.FromInt32(port), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// The queryable-state server classes live in opt/flink-queryable-state-runtime-<version>.jar,
// which Flink loads only from the classpath (lib/). Rather than depend on an image that has it
// in lib/, an init container of the TaskManager's own image copies the jar from opt/ into an
// emptyDir under a fixed name, and HADOOP_CLASSPATH, which Flink's start scripts append to
// the TaskManager's classpath, names it. This works with the official images and weir's.
const (
	queryableStateVolume  = "weir-queryable-state"
	queryableStateDir     = "/opt/weir/queryable-state"
	queryableStateJar     = queryableStateDir + "/flink-queryable-state-runtime.jar"
	queryableStateInit    = "weir-queryable-state-runtime"
	hadoopClasspathEnv    = "HADOOP_CLASSPATH"
	queryableStateOptGlob = "/opt/flink/opt/flink-queryable-state-runtime-*.jar"
)

// queryableStateCopy is the init container's script: it fails with the reason when the image
// lacks the jar (an image built without opt/, or Flink 2).
const queryableStateCopy = `set -e
for f in ` + queryableStateOptGlob + `; do
  if [ -f "$f" ]; then cp "$f" ` + queryableStateJar + `; exit 0; fi
done
echo "queryable-state.enable is true, but the image has no ` + queryableStateOptGlob + `" >&2
exit 1
`

// withQueryableStateClasspath names the jar in containerized.taskmanager.env.HADOOP_CLASSPATH,
// in front of the HADOOP_CLASSPATH the TaskManagers would have without it (that key, else the
// TaskManager template's variable): Flink sets that key's variable on native TaskManager pods
// after the template's, and the standalone Deployment takes it like every such key.
func (c *cluster) withQueryableStateClasspath() error {
	if _, ok := c.queryableStatePort(); !ok {
		return nil
	}
	key := flinkconf.KeyTaskManagerEnvPrefix + hadoopClasspathEnv
	classpath := queryableStateJar
	if v := strings.TrimSpace(c.conf[key]); v != "" {
		classpath += ":" + v
	} else {
		t, err := componentTemplate(c.spec, ComponentTaskManager, c.byName)
		if err != nil {
			return err
		}
		for _, e := range mainContainerOf(&t.Spec).Env {
			if e.Name == hadoopClasspathEnv && strings.TrimSpace(e.Value) != "" {
				classpath += ":" + e.Value
			}
		}
	}
	c.conf = c.conf.Clone()
	c.conf[key] = classpath
	return nil
}

// withQueryableStateRuntime adds the init container that copies the jar, and its volume, to
// a TaskManager pod (the native template or the standalone Deployment's pod) when queryable
// state is on.
func (c *cluster) withQueryableStateRuntime(spec *corev1.PodSpec) {
	if _, ok := c.queryableStatePort(); !ok {
		return
	}
	main := mainContainerOf(spec)
	image := c.spec.Image
	if image == "" {
		image = main.Image
	}
	if image == "" {
		image = c.ver.DefaultImage
	}
	mount := corev1.VolumeMount{Name: queryableStateVolume, MountPath: queryableStateDir}
	main.VolumeMounts = mergeMounts(main.VolumeMounts, []corev1.VolumeMount{mount})
	copyJar := corev1.Container{
		Name:    queryableStateInit,
		Image:   image,
		Command: []string{"/bin/sh", "-c", queryableStateCopy},
		// The main container's resources and security context: the pod's requests do not
		// grow (an init container's count only where they exceed the containers') and a
		// restricted namespace admits it as it admits the main container.
		Resources:       *main.Resources.DeepCopy(),
		SecurityContext: main.SecurityContext.DeepCopy(),
		VolumeMounts:    []corev1.VolumeMount{mount},
	}
	if c.spec.ImagePullPolicy != "" {
		copyJar.ImagePullPolicy = corev1.PullPolicy(c.spec.ImagePullPolicy)
	}
	var inits []corev1.Container
	for _, ic := range spec.InitContainers {
		if ic.Name != queryableStateInit {
			inits = append(inits, ic)
		}
	}
	spec.InitContainers = append(inits, copyJar)
	spec.Volumes = mergeVolumes(spec.Volumes, []corev1.Volume{{Name: queryableStateVolume,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}})
}
