package controller_test

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
)

// An app that turns queryable state on gets the `<app>-queryable-state` Service of the type
// and annotations its configuration names, and TaskManagers that serve it.
func TestQueryableStateService(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	d := readManifest(t, "standalone.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	conf, err := d.Spec.FlinkConfiguration.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	conf["queryable-state.enable"] = "true"
	conf["queryable-state.proxy.ports"] = "9070-9075"
	conf["kubernetes.operator.weir.queryable-state.service-type"] = "LoadBalancer"
	conf["kubernetes.operator.weir.queryable-state.annotations"] = "service.beta.kubernetes.io/aws-load-balancer-scheme:internal"
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	name := d.Name
	svc := waitForObject(t, ns, name+"-queryable-state", &corev1.Service{})
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || svc.Annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] != "internal" {
		t.Errorf("Service type %q, annotations %v", svc.Spec.Type, svc.Annotations)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 9070 || svc.Spec.Ports[0].Name != "queryable-state" {
		t.Errorf("Service ports %+v", svc.Spec.Ports)
	}
	if svc.Spec.Selector["app"] != name || svc.Spec.Selector["component"] != "taskmanager" {
		t.Errorf("Service selector %v", svc.Spec.Selector)
	}
	if len(svc.OwnerReferences) != 1 || svc.OwnerReferences[0].Name != name {
		t.Errorf("owner references %+v", svc.OwnerReferences)
	}
	tm := waitForObject(t, ns, name+"-taskmanager", &appsv1.Deployment{})
	for k, v := range svc.Spec.Selector {
		if tm.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %v, the TaskManager pods are labelled %v", svc.Spec.Selector, tm.Spec.Template.Labels)
		}
	}
	main := mainContainer(t, tm.Spec.Template.Spec)
	port := false
	for _, p := range main.Ports {
		port = port || (p.Name == "queryable-state" && p.ContainerPort == 9070)
	}
	if !port {
		t.Errorf("TaskManager ports %+v", main.Ports)
	}
	if len(tm.Spec.Template.Spec.InitContainers) != 1 || tm.Spec.Template.Spec.InitContainers[0].Name != "weir-queryable-state-runtime" {
		t.Errorf("TaskManager init containers %+v", tm.Spec.Template.Spec.InitContainers)
	}
	classpath := ""
	for _, e := range main.Env {
		if e.Name == "HADOOP_CLASSPATH" {
			classpath = e.Value
		}
	}
	if classpath != "/opt/weir/queryable-state/flink-queryable-state-runtime.jar" {
		t.Errorf("TaskManager HADOOP_CLASSPATH = %q", classpath)
	}
}
