package controller_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

func TestBasicApplicationGoesStable(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "basic.yaml")
	const name = "basic-example"

	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	c := mainContainer(t, jm.Spec.Template.Spec)
	if c.Image != "flink:1.20" {
		t.Errorf("JobManager image = %q", c.Image)
	}
	if jm.Spec.Template.Spec.ServiceAccountName != "flink" {
		t.Errorf("service account = %q", jm.Spec.Template.Spec.ServiceAccountName)
	}
	if len(jm.OwnerReferences) != 1 || jm.OwnerReferences[0].Kind != "FlinkDeployment" {
		t.Errorf("owner references = %+v", jm.OwnerReferences)
	}
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	conf := cm.Data["flink-conf.yaml"]
	for _, want := range []string{"taskmanager.numberOfTaskSlots: 2", "kubernetes.cluster-id: " + name, "execution.target: kubernetes-application"} {
		if !strings.Contains(conf, want) {
			t.Errorf("flink-conf.yaml lacks %q:\n%s", want, conf)
		}
	}
	if _, ok := cm.Data["log4j-console.properties"]; !ok {
		t.Errorf("ConfigMap has no log configuration: keys %v", keys(cm.Data))
	}
	rest := waitForObject(t, ns, name+"-rest", &corev1.Service{})
	if rest.Spec.Ports[0].Port != 8081 {
		t.Errorf("rest port = %d", rest.Spec.Ports[0].Port)
	}
	waitForObject(t, ns, name, &corev1.Service{})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name + "-taskmanager"}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("native mode must not create a TaskManager Deployment (err=%v)", err)
	}

	waitFor(t, "status DEPLOYED with the spec recorded", func() error {
		d := getDeployment(t, ns, name)
		st := d.Status
		if st.ReconciliationStatus.LastReconciledSpec == "" || st.LifecycleState != v1beta1.LifecycleDeployed ||
			st.JobManagerDeploymentStatus != v1beta1.JMDeploying || st.ObservedGeneration != d.Generation {
			return fmt.Errorf("status %+v", st)
		}
		if !controllerHasFinalizer(d) {
			return errors.New("no finalizer")
		}
		return nil
	})
	waitForEvents(t, ns, name, "Submit")

	// The kubelet reports the JobManager ready and Flink reports the job running.
	flink.setJob(restURLOf(t, ns, name), "RUNNING")
	markReady(t, ns, name)
	waitFor(t, "STABLE with a RUNNING job", func() error {
		st := getDeployment(t, ns, name).Status
		if st.LifecycleState != v1beta1.LifecycleStable || st.JobStatus.State != "RUNNING" || st.JobManagerDeploymentStatus != v1beta1.JMReady {
			return fmt.Errorf("lifecycle %s job %s jm %s", st.LifecycleState, st.JobStatus.State, st.JobManagerDeploymentStatus)
		}
		cond := meta.FindStatusCondition(st.Conditions, "Running")
		if cond == nil || cond.Status != "True" {
			return fmt.Errorf("Running condition %+v", cond)
		}
		if st.JobStatus.JobID == "" || st.ClusterInfo["flink-version"] != "1.20.3" {
			return fmt.Errorf("job id %q cluster info %v", st.JobStatus.JobID, st.ClusterInfo)
		}
		return nil
	})
}

func TestCheckpointHAConfigAndRBAC(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "basic-checkpoint-ha.yaml")
	const name = "basic-checkpoint-ha-example"
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	conf := cm.Data["flink-conf.yaml"]
	for _, want := range []string{"high-availability.type: kubernetes", "high-availability.storageDir: file:///flink-data/ha", "state.checkpoints.dir: file:///flink-data/checkpoints"} {
		if !strings.Contains(conf, want) {
			t.Errorf("flink-conf.yaml lacks %q:\n%s", want, conf)
		}
	}
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	c := mainContainer(t, jm.Spec.Template.Spec)
	if !hasMount(c, "/flink-data") {
		t.Errorf("pod template volume mount lost: %+v", c.VolumeMounts)
	}
	if !hasMount(c, "/opt/flink/conf") {
		t.Errorf("config not mounted: %+v", c.VolumeMounts)
	}
	waitFor(t, "RoleBinding for the app's service account", func() error {
		rbs := &rbacList{}
		return rbs.find(ns, "flink")
	})
}

func TestSessionClusterAndSessionJob(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	// The job first: it must wait for its session cluster.
	objs := readManifest(t, "basic-session-deployment-and-job.yaml")
	session, job := objs[0], objs[1]
	job.SetNamespace(ns)
	if err := k8s.Create(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "session job waiting for a missing cluster", func() error {
		return sessionCondition(ns, job.GetName(), "False", "SessionClusterMissing")
	})
	session.SetNamespace(ns)
	if err := k8s.Create(context.Background(), session); err != nil {
		t.Fatal(err)
	}
	const name = "basic-session-deployment-example"
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	if !strings.Contains(cm.Data["flink-conf.yaml"], "execution.target: kubernetes-session") {
		t.Errorf("session config:\n%s", cm.Data["flink-conf.yaml"])
	}
	waitFor(t, "session job waiting for a cluster that is not ready", func() error {
		return sessionCondition(ns, job.GetName(), "False", "SessionClusterNotReady")
	})
	restURLOf(t, ns, name)
	markReady(t, ns, name)
	waitFor(t, "session STABLE", func() error {
		st := getDeployment(t, ns, name).Status
		if st.LifecycleState != v1beta1.LifecycleStable || st.JobManagerDeploymentStatus != v1beta1.JMReady {
			return fmt.Errorf("lifecycle %s jm %s", st.LifecycleState, st.JobManagerDeploymentStatus)
		}
		return nil
	})
	waitFor(t, "session job sees a ready cluster", func() error {
		return sessionCondition(ns, job.GetName(), "True", "SessionClusterReady")
	})
}

func TestPodTemplateSidecarAndInitContainer(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "pod-template.yaml")
	const name = "pod-template-example"
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	names := containerNames(jm.Spec.Template.Spec.Containers)
	if !strings.Contains(names, "fluentbit") || !strings.Contains(names, "flink-main-container") {
		t.Errorf("JobManager containers = %s", names)
	}
	if !hasMount(mainContainer(t, jm.Spec.Template.Spec), "/opt/flink/log") {
		t.Error("main container lost its /opt/flink/log mount")
	}
	// In native mode the TaskManager template goes to Flink through the config map.
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	var tmTemplate string
	for k, v := range cm.Data {
		if strings.Contains(k, "taskmanager") && strings.Contains(k, "template") {
			tmTemplate = v
		}
	}
	if !strings.Contains(tmTemplate, "busybox") || !strings.Contains(tmTemplate, "fluentbit") {
		t.Errorf("TaskManager pod template lacks the init container or sidecar:\n%s\n(keys %v)", tmTemplate, keys(cm.Data))
	}
}

func TestIngress(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "basic-ingress.yaml")
	const name = "advanced-ingress"
	ing := waitForObject(t, ns, name, &networkingv1.Ingress{})
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("class = %v", ing.Spec.IngressClassName)
	}
	path := ing.Spec.Rules[0].HTTP.Paths[0]
	if want := "/" + ns + "/" + name + "(/|$)(.*)"; path.Path != want {
		t.Errorf("path = %q, want %q", path.Path, want)
	}
	if path.Backend.Service.Name != name+"-rest" || path.Backend.Service.Port.Number != 8081 {
		t.Errorf("backend = %+v", path.Backend.Service)
	}
	if ing.Annotations["nginx.ingress.kubernetes.io/rewrite-target"] != "/$2" {
		t.Errorf("annotations = %v", ing.Annotations)
	}
}

func TestNestedConfigFlink2AndResourceForms(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "nested-config-resources.yaml")
	const name = "nested-config-example"
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	conf, ok := cm.Data["config.yaml"]
	if !ok {
		t.Fatalf("Flink 2.x needs config.yaml; keys %v", keys(cm.Data))
	}
	if !strings.Contains(conf, "numberOfTaskSlots") || !strings.Contains(conf, "10s") {
		t.Errorf("config.yaml lost nested keys:\n%s", conf)
	}
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	res := mainContainer(t, jm.Spec.Template.Spec).Resources
	if res.Requests.Memory().Cmp(resource.MustParse("1Gi")) != 0 || res.Requests.Cpu().Cmp(resource.MustParse("500m")) != 0 {
		t.Errorf("JobManager resources (core form) = %+v", res)
	}
	if !strings.Contains(conf, "1536m") && !strings.Contains(conf, "1610612736") && !strings.Contains(conf, "1536 mb") {
		t.Errorf("TaskManager memory (short form) not in config:\n%s", conf)
	}
}

func TestStandaloneCreatesTaskManagers(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "standalone.yaml")
	const name = "standalone-example"
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	args := strings.Join(mainContainer(t, jm.Spec.Template.Spec).Args, " ")
	if !strings.Contains(args, "standalone-job") || !strings.Contains(args, "--job-classname org.apache.flink.streaming.examples.statemachine.StateMachineExample") {
		t.Errorf("JobManager args = %q", args)
	}
	tm := waitForObject(t, ns, name+"-taskmanager", &appsv1.Deployment{})
	if tm.Spec.Replicas == nil || *tm.Spec.Replicas != 2 { // ceil(3 / 2 slots)
		t.Errorf("TaskManager replicas = %v, want 2", tm.Spec.Replicas)
	}
	if a := strings.Join(mainContainer(t, tm.Spec.Template.Spec).Args, " "); !strings.Contains(a, "taskmanager") {
		t.Errorf("TaskManager args = %q", a)
	}
}

func TestInvalidSpecKeepsLastValidSpec(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "basic.yaml")
	const name = "basic-example"
	waitForObject(t, ns, name, &appsv1.Deployment{})
	waitFor(t, "first deployment recorded", func() error {
		if getDeployment(t, ns, name).Status.ReconciliationStatus.LastReconciledSpec == "" {
			return errors.New("not yet")
		}
		return nil
	})

	// A bad memory string and a new image together: nothing of the bad spec may be applied.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		s.TaskManager.Resource.Memory = "lots"
		s.Image = "flink:1.20-broken"
	})
	waitFor(t, "validation error in status and as an event", func() error {
		st := getDeployment(t, ns, name).Status
		if !strings.Contains(st.Error, "ValidationException") || !strings.Contains(st.Error, "lots") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		if ev := eventsFor(t, ns, name); !strings.Contains(ev, "ValidationError") {
			return fmt.Errorf("events: %s", ev)
		}
		return nil
	})
	jm := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
		t.Fatal(err)
	}
	if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20" {
		t.Errorf("the invalid spec leaked into the JobManager: image %q", img)
	}

	// Fixing the spec clears the error and deploys it.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.TaskManager.Resource.Memory = "2048m" })
	waitFor(t, "fixed spec deployed", func() error {
		st := getDeployment(t, ns, name).Status
		if st.Error != "" {
			return fmt.Errorf("error still %q", st.Error)
		}
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
			return err
		}
		if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20-broken" {
			return fmt.Errorf("image %q", img)
		}
		return nil
	})
	waitForEvents(t, ns, name, "SpecChanged")
}

func TestInvalidFirstSpecFailsWithoutDeploying(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	objs := readManifest(t, "basic.yaml")
	d := objs[0].(*v1beta1.FlinkDeployment)
	d.SetNamespace(ns)
	d.Spec.Job.Parallelism = -1
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "FAILED with a validation error", func() error {
		st := getDeployment(t, ns, d.Name).Status
		if st.LifecycleState != v1beta1.LifecycleFailed || !strings.Contains(st.Error, "parallelism") {
			return fmt.Errorf("lifecycle %s error %q", st.LifecycleState, st.Error)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("an invalid first spec was deployed (err=%v)", err)
	}
}

func TestDeleteRemovesFinalizerAndHAData(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, "basic-checkpoint-ha.yaml")
	const name = "basic-checkpoint-ha-example"
	waitForObject(t, ns, name, &appsv1.Deployment{})
	ha := &corev1.ConfigMap{}
	ha.Name, ha.Namespace = name+"-cluster-config-map", ns
	ha.Labels = map[string]string{"app": name, "configmap-type": "high-availability"}
	if err := k8s.Create(context.Background(), ha); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(context.Background(), getDeployment(t, ns, name)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "FlinkDeployment gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err=%v)", err) //nolint:errorlint // err is nil when the object still exists
	})
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("HA ConfigMap left behind (err=%v)", err)
	}
}

func TestScaleSubresource(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	// Only a reactive job takes a replica change in place (any other standalone job is
	// redeployed for it, as FKO does).
	fd := readManifest(t, "standalone.yaml")[0].(*v1beta1.FlinkDeployment)
	fd.Namespace = ns
	conf, _ := fd.Spec.FlinkConfiguration.Flatten()
	conf["scheduler-mode"] = "reactive"
	fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	if err := k8s.Create(context.Background(), fd); err != nil {
		t.Fatal(err)
	}
	const name = "standalone-example"
	waitForObject(t, ns, name+"-taskmanager", &appsv1.Deployment{})
	waitFor(t, "status.taskManager.labelSelector", func() error {
		if tm := getDeployment(t, ns, name).Status.TaskManager; tm == nil || tm.LabelSelector == "" {
			return errors.New("not set")
		}
		return nil
	})
	three := int32(3)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.TaskManager.Replicas = &three })
	scale := &autoscalingScale{}
	waitFor(t, "scale subresource", func() error { return scale.get(ns, name) })
	if scale.selector == "" || scale.replicas != 3 {
		t.Errorf("scale subresource: selector %q replicas %d", scale.selector, scale.replicas)
	}
	// Scaling through the subresource (as an HPA or kubectl scale would) resizes the
	// TaskManagers in place.
	waitFor(t, "scale subresource update", func() error { return scale.set(ns, name, 4) })
	waitFor(t, "TaskManager Deployment scaled to 4", func() error {
		tm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name + "-taskmanager"}, tm); err != nil {
			return err
		}
		if tm.Spec.Replicas == nil || *tm.Spec.Replicas != 4 {
			return fmt.Errorf("replicas %v", tm.Spec.Replicas)
		}
		return nil
	})
	waitForEvents(t, ns, name, "Scaling")
}
