package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"weir.dev/weir/internal/resources"
)

// ForwardUI port-forwards localPort (0: a free one) to the Flink UI of the app's cluster:
// the rest Service's target port on a running JobManager pod, through the API server, so
// it works against any cluster the kubeconfig reaches. It calls ready with the local URL
// and returns when ctx ends or the forward breaks (the pod went away).
func (c *Clients) ForwardUI(ctx context.Context, key types.NamespacedName, localPort int, ready func(url string), errOut io.Writer) error {
	if c.Config == nil {
		return fmt.Errorf("no API server configuration to port-forward with")
	}
	cluster, err := c.clusterOf(ctx, key)
	if err != nil {
		return err
	}
	svcName := resources.Names(cluster.Name).RestService
	svc, err := c.Core.CoreV1().Services(cluster.Namespace).Get(ctx, svcName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("rest Service %s/%s: %w (is the JobManager deployed? `weir app describe %s`)", cluster.Namespace, svcName, err, key.Name)
	}
	sel := labels.SelectorFromSet(labels.Set{resources.LabelApp: cluster.Name, resources.LabelComponent: resources.ComponentJobManager}).String()
	pods, err := c.Core.CoreV1().Pods(cluster.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("list JobManager pods of %s: %w", cluster, err)
	}
	pod, port, err := ForwardTarget(svc, pods.Items)
	if err != nil {
		return fmt.Errorf("%w (`weir app describe %s` shows why)", err, key.Name)
	}
	transport, upgrader, err := spdy.RoundTripperFor(c.Config)
	if err != nil {
		return err
	}
	url := c.Core.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	stop, readyCh := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"localhost"}, []string{fmt.Sprintf("%d:%d", localPort, port)}, stop, readyCh, io.Discard, errOut)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fw.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-done:
		return fmt.Errorf("port-forward to %s/%s: %w", pod.Namespace, pod.Name, err)
	case <-ctx.Done():
		close(stop)
		return nil
	}
	ports, err := fw.GetPorts()
	if err == nil && len(ports) == 0 {
		err = fmt.Errorf("no ports")
	}
	if err != nil {
		close(stop)
		return fmt.Errorf("port-forward to %s/%s has no local port: %w", pod.Namespace, pod.Name, err)
	}
	ready(fmt.Sprintf("http://localhost:%d", ports[0].Local))
	select {
	case <-ctx.Done():
		close(stop)
		if err := <-done; err != nil {
			return fmt.Errorf("stopping the port-forward to %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		return nil
	case err := <-done:
		if err == nil {
			err = fmt.Errorf("the connection closed")
		}
		return fmt.Errorf("port-forward to %s/%s ended: %w; run `weir app ui %s` again", pod.Namespace, pod.Name, err, key.Name)
	}
}

// ForwardTarget picks the pod and container port a port-forward to svc's REST port
// reaches: the newest running JobManager pod, and the Service's target port, resolved by
// name in the pod when it is named.
func ForwardTarget(svc *corev1.Service, pods []corev1.Pod) (*corev1.Pod, int, error) {
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if p := &svc.Spec.Ports[i]; p.Name == "rest" || p.Port == RestPort {
			sp = p
			break
		}
	}
	if sp == nil && len(svc.Spec.Ports) > 0 {
		sp = &svc.Spec.Ports[0]
	}
	if sp == nil {
		return nil, 0, fmt.Errorf("Service %s/%s has no ports", svc.Namespace, svc.Name) //nolint:staticcheck // ST1005: Service is the Kubernetes kind
	}
	var running []corev1.Pod
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			running = append(running, p)
		}
	}
	if len(running) == 0 {
		return nil, 0, fmt.Errorf("no running JobManager pod behind Service %s/%s", svc.Namespace, svc.Name)
	}
	sort.SliceStable(running, func(i, j int) bool { return running[j].CreationTimestamp.Before(&running[i].CreationTimestamp) })
	pod := &running[0]
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.Int && tp.IntVal > 0:
		return pod, int(tp.IntVal), nil
	case tp.Type == intstr.String && tp.StrVal != "":
		if n, err := strconv.Atoi(tp.StrVal); err == nil {
			return pod, n, nil
		}
		for _, ctr := range pod.Spec.Containers {
			for _, cp := range ctr.Ports {
				if cp.Name == tp.StrVal {
					return pod, int(cp.ContainerPort), nil
				}
			}
		}
		return nil, 0, fmt.Errorf("pod %s has no container port named %q (the target port of Service %s)", pod.Name, tp.StrVal, svc.Name)
	}
	return pod, int(sp.Port), nil
}
