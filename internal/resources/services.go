package resources

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/internal/flinkconf"
)

// restService is `<name>-rest`, the REST API and UI, of the type
// kubernetes.rest-service.exposed.type (ClusterIP unless set).
func (c *cluster) restService() *corev1.Service {
	typ := corev1.ServiceTypeClusterIP
	headless := false
	switch c.conf[flinkconf.KeyRestExposedType] {
	case "NodePort":
		typ = corev1.ServiceTypeNodePort
	case "LoadBalancer":
		typ = corev1.ServiceTypeLoadBalancer
	case "Headless_ClusterIP":
		headless = true
	}
	meta := objectMeta(c.d, c.names.RestService, CommonLabels(c.d.Name, c.mode))
	meta.Annotations = c.conf.Map(flinkconf.KeyRestAnnotations)
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: ComponentLabels(c.d.Name, c.mode, ComponentJobManager),
			Ports: []corev1.ServicePort{{Name: "rest", Port: flinkconf.RestPort,
				TargetPort: intstr.FromInt32(flinkconf.RestPort), Protocol: corev1.ProtocolTCP}},
		},
	}
	if headless {
		svc.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return svc
}

// internalService is the headless `<name>` Service that TaskManagers reach the JobManager's
// RPC and blob server through. It publishes not-ready pods: the JobManager's RPC is up
// before its REST readiness probe passes.
func (c *cluster) internalService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: objectMeta(c.d, c.names.InternalService, CommonLabels(c.d.Name, c.mode)),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 ComponentLabels(c.d.Name, c.mode, ComponentJobManager),
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{
				{Name: "jobmanager-rpc", Port: flinkconf.RPCPort, TargetPort: intstr.FromInt32(flinkconf.RPCPort), Protocol: corev1.ProtocolTCP},
				{Name: "blobserver", Port: flinkconf.BlobPort, TargetPort: intstr.FromInt32(flinkconf.BlobPort), Protocol: corev1.ProtocolTCP},
			},
		},
	}
}
