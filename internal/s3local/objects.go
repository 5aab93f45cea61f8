package s3local

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Where pods find the server: a Service without a selector in the platform's namespace,
// whose one endpoint is the host's bridge IP (as the `kubernetes` Service points at the
// API server on the host).
const (
	Namespace = "weir-system"
	// ServiceName must not be "s3" (nor start with "s3." or "s3-"): the AWS SDK v1 in
	// Flink's S3 plugins reads the signing region from an endpoint host matching
	// [*.]s3[.-]<region>.*, so http://s3.weir-system.svc would be signed for the region
	// "weir-system" and refused (AuthorizationHeaderMalformed).
	ServiceName = "weir-s3"
	// SecretName holds the credentials under AccessKeyIDKey and SecretAccessKeyKey, so a
	// container takes them with envFrom.
	SecretName = "s3-credentials"
	managedBy  = "weir-local"
)

// ClusterEndpoint is the URL pods use.
func ClusterEndpoint() string {
	return fmt.Sprintf("http://%s.%s.svc:%d", ServiceName, Namespace, Port)
}

// Objects are the Kubernetes objects of the S3 server.
type Objects struct {
	Namespace     *corev1.Namespace
	Service       *corev1.Service
	EndpointSlice *discoveryv1.EndpointSlice
	Secret        *corev1.Secret
}

func meta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/managed-by": managedBy, "app.kubernetes.io/name": "s3"}}
}

// NewObjects renders the Service and its endpoint at hostIP, and the credentials Secret.
func NewObjects(hostIP string, c Credentials) Objects {
	slice := meta(ServiceName+"-host", Namespace)
	slice.Labels[discoveryv1.LabelServiceName] = ServiceName
	slice.Labels[discoveryv1.LabelManagedBy] = managedBy
	return Objects{
		Namespace: &corev1.Namespace{ObjectMeta: meta(Namespace, "")},
		Service: &corev1.Service{
			ObjectMeta: meta(ServiceName, Namespace),
			Spec: corev1.ServiceSpec{
				Type:  corev1.ServiceTypeClusterIP,
				Ports: []corev1.ServicePort{{Name: "http", Port: Port, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(Port)}},
			},
		},
		EndpointSlice: &discoveryv1.EndpointSlice{
			ObjectMeta:  slice,
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints: []discoveryv1.Endpoint{{
				Addresses:  []string{hostIP},
				Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
			}},
			Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](Port), Protocol: ptr.To(corev1.ProtocolTCP)}},
		},
		Secret: CredentialsSecret(Namespace, c),
	}
}

// CredentialsSecret is the credentials as a Secret in ns. Pods read Secrets only from their
// own namespace, so an app's namespace gets its own copy of this one.
func CredentialsSecret(ns string, c Credentials) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: meta(SecretName, ns),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			AccessKeyIDKey:     []byte(c.AccessKeyID),
			SecretAccessKeyKey: []byte(c.SecretAccessKey),
		},
	}
}
