package app

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/resources"
)

// RestPort is Flink's default REST and web UI port.
const RestPort = 8081

// UIURL returns http://<ClusterIP>:<port> of the rest Service of the app's cluster (a
// session job's: its session cluster's). On the local cluster the host routes the service
// range to the bridge, so the host's browser opens it.
func (c *Clients) UIURL(ctx context.Context, key types.NamespacedName) (string, error) {
	key, err := c.clusterOf(ctx, key)
	if err != nil {
		return "", err
	}
	name := resources.Names(key.Name).RestService
	svc, err := c.Core.CoreV1().Services(key.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("rest Service %s/%s: %w (is the JobManager deployed?)", key.Namespace, name, err)
	}
	return ServiceURL(svc)
}

// ServiceURL picks the REST port of a Service and joins it with the ClusterIP.
func ServiceURL(svc *corev1.Service) (string, error) {
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone {
		return "", fmt.Errorf("Service %s/%s has no ClusterIP", svc.Namespace, svc.Name) //nolint:staticcheck // ST1005: Service is the Kubernetes kind
	}
	port := int32(0)
	for _, p := range svc.Spec.Ports {
		if p.Name == "rest" || p.Port == RestPort {
			port = p.Port
			break
		}
	}
	if port == 0 && len(svc.Spec.Ports) > 0 {
		port = svc.Spec.Ports[0].Port
	}
	if port == 0 {
		return "", fmt.Errorf("Service %s/%s has no ports", svc.Namespace, svc.Name) //nolint:staticcheck // ST1005: Service is the Kubernetes kind
	}
	return "http://" + net.JoinHostPort(ip, strconv.Itoa(int(port))), nil
}
