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
