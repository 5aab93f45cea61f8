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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// driftCase is one owned object the operator must put back after a delete or an edit.
type driftCase struct {
	name     string
	obj      func() client.Object
	edit     func(client.Object)       // what a user or another tool changes
	restored func(client.Object) error // nil once the operator undid the edit
	kept     func(client.Object) error // optional: what of the edit must survive the repair
}

// TestDriftRepair deletes and edits each owned object of a running standalone cluster
// (the Services, the ConfigMap, the Ingress, the TaskManager Deployment) and waits for the
// operator to restore it, while the JobManager and its job are never touched.
func TestDriftRepair(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableStandaloneWithIngress(t, ns)
	ctx := context.Background()
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	origConf := flinkConf(t, ns, name)

	// A healthy cluster shows no drift: a false positive would re-apply and report it on
	// every reconcile.
	waitForObservations(t, url, 3)
	if ev := eventsFor(t, ns, name); strings.Contains(ev, "Drifted") || strings.Contains(ev, "Missing") {
		t.Fatalf("drift reported on an untouched cluster:\n%s", ev)
	}

	cases := []driftCase{
		{
			name: name, obj: func() client.Object { return &corev1.Service{} },
			edit: func(o client.Object) {
				s := o.(*corev1.Service)
				s.Spec.Ports[0].Port = 9999
				s.Spec.Selector = map[string]string{"app": "elsewhere"}
				s.Labels["team"] = "theirs" // another tool's label, which the operator leaves alone
			},
			restored: func(o client.Object) error {
				s := o.(*corev1.Service)
				if !hasPort(s, 6123) || s.Spec.Selector["app"] != name || s.Spec.Selector["component"] != "jobmanager" {
					return fmt.Errorf("ports %+v selector %v", s.Spec.Ports, s.Spec.Selector)
				}
				return nil
			},
			kept: func(o client.Object) error {
				if o.GetLabels()["team"] != "theirs" {
					return fmt.Errorf("another tool's label was removed: %v", o.GetLabels())
				}
				return nil
			},
		},
		{
			name: "flink-config-" + name, obj: func() client.Object { return &corev1.ConfigMap{} },
			edit: func(o client.Object) {
				o.(*corev1.ConfigMap).Data["flink-conf.yaml"] = "taskmanager.numberOfTaskSlots: 99\n"
			},
			restored: func(o client.Object) error {
				if got := o.(*corev1.ConfigMap).Data["flink-conf.yaml"]; got != origConf {
					return fmt.Errorf("flink-conf.yaml is\n%s", got)
				}
				return nil
			},
		},
		{
			name: name, obj: func() client.Object { return &networkingv1.Ingress{} },
			edit: func(o client.Object) {
				ing := o.(*networkingv1.Ingress)
				ing.Spec.Rules[0].HTTP.Paths[0].Path = "/hijacked"
				ing.Spec.IngressClassName = new("other")
			},
			restored: func(o client.Object) error {
				ing := o.(*networkingv1.Ingress)
				if p := ing.Spec.Rules[0].HTTP.Paths[0].Path; p != "/"+ns+"/"+name+"(/|$)(.*)" ||
					ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
					return fmt.Errorf("path %q class %v", p, ing.Spec.IngressClassName)
				}
				return nil
			},
		},
		{
			name: name + "-taskmanager", obj: func() client.Object { return &appsv1.Deployment{} },
			edit: func(o client.Object) {
				d := o.(*appsv1.Deployment)
				d.Spec.Replicas = new(int32(7))
				d.Spec.Template.Spec.Containers[0].Image = "busybox"
			},
			restored: func(o client.Object) error {
				d := o.(*appsv1.Deployment)
				if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "flink:1.20" {
					return fmt.Errorf("replicas %v image %q", d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
				}
				return nil
			},
		},
		{
			// The rest Service last: its new cluster IP is a new fake JobManager address.
			name: name + "-rest", obj: func() client.Object { return &corev1.Service{} },
			edit: func(o client.Object) {
				s := o.(*corev1.Service)
				s.Spec.Ports[0].Port = 9999
			},
			restored: func(o client.Object) error {
				if s := o.(*corev1.Service); !hasPort(s, 8081) {
					return fmt.Errorf("ports %+v", s.Spec.Ports)
				}
				return nil
			},
		},
	}
	for _, c := range cases {
		key := client.ObjectKey{Namespace: ns, Name: c.name}
		// Edited: the operator reverts what it owns.
		waitFor(t, "editing "+c.name, func() error {
			o := c.obj()
			if err := k8s.Get(ctx, key, o); err != nil {
				return err
			}
			c.edit(o)
			return k8s.Update(ctx, o)
		})
		waitFor(t, fmt.Sprintf("%T %s restored after an edit", c.obj(), c.name), func() error {
			o := c.obj()
			if err := k8s.Get(ctx, key, o); err != nil {
				return err
			}
			if err := c.restored(o); err != nil {
				return err
			}
			if c.kept != nil {
				return c.kept(o)
			}
			return nil
		})
		// Deleted: the operator re-creates it.
		o := c.obj()
		if err := k8s.Get(ctx, key, o); err != nil {
			t.Fatal(err)
		}
		uid := o.GetUID()
		if err := k8s.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
		waitFor(t, fmt.Sprintf("%T %s re-created", c.obj(), c.name), func() error {
			o := c.obj()
			if err := k8s.Get(ctx, key, o); err != nil {
				return err
			}
			if o.GetUID() == uid {
				return errors.New("still the old object")
			}
			return c.restored(o)
		})
	}
	// The re-created rest Service is a new address of the same JobManager.
	newURL := restURLOf(t, ns, name)
	flink.setJobID(newURL, confValue(origConf, "$internal.pipeline.job-id"))
	flink.setJob(newURL, "RUNNING")
	waitForEvents(t, ns, name, "Drifted", "Missing")

	// No job was stopped, and the JobManager was neither re-created nor changed.
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Errorf("Flink calls during drift repair: %v", calls)
	}
	now := waitForObject(t, ns, name, &appsv1.Deployment{})
	if now.UID != jm.UID || now.Generation != jm.Generation {
		t.Errorf("JobManager Deployment touched: uid %s->%s generation %d->%d", jm.UID, now.UID, jm.Generation, now.Generation)
	}
	if st := getDeployment(t, ns, name).Status; st.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
		t.Errorf("reconciliation state %s", st.ReconciliationStatus.State)
	}
}

// hasPort says whether a Service serves port. Server-side apply puts a changed port back
// beside the edited one, which stays its editor's (ports are keyed by port and protocol).
func hasPort(s *corev1.Service, port int32) bool {
	for _, p := range s.Spec.Ports {
		if p.Port == port {
			return true
		}
	}
	return false
}

// TestDriftIngressSpecChangesApplyInPlace changes spec.ingress of a running cluster: the
// Ingress follows without an upgrade, and goes when spec.ingress is removed.
func TestDriftIngressSpecChangesApplyInPlace(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableStandaloneWithIngress(t, ns)
	ctx := context.Background()
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	waitForObject(t, ns, name, &networkingv1.Ingress{})

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		s.Ingress.ClassName = "traefik"
		s.Ingress.Template = "{{name}}.{{namespace}}.flink.example.com"
		s.Ingress.Annotations = map[string]string{"example.com/owner": "team-a"}
	})
	waitFor(t, "Ingress updated in place", func() error {
		ing := &networkingv1.Ingress{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ing); err != nil {
			return err
		}
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "traefik" ||
			ing.Spec.Rules[0].Host != name+"."+ns+".flink.example.com" || ing.Annotations["example.com/owner"] != "team-a" {
			return fmt.Errorf("class %v rules %+v annotations %v", ing.Spec.IngressClassName, ing.Spec.Rules, ing.Annotations)
		}
		return nil
	})

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Ingress = nil })
	waitFor(t, "Ingress deleted", func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &networkingv1.Ingress{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err=%w)", err)
	})

	// Neither change upgraded the job.
	now := waitForObject(t, ns, name, &appsv1.Deployment{})
	if now.UID != jm.UID || now.Generation != jm.Generation {
		t.Errorf("JobManager Deployment touched: uid %s->%s generation %d->%d", jm.UID, now.UID, jm.Generation, now.Generation)
	}
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Errorf("Flink calls for an Ingress change: %v", calls)
	}
	d := getDeployment(t, ns, name)
	if d.Status.LifecycleState != v1beta1.LifecycleStable {
		t.Errorf("lifecycle %s", d.Status.LifecycleState)
	}
	if cond := meta.FindStatusCondition(d.Status.Conditions, "Running"); cond == nil || cond.Status != "True" {
		t.Errorf("Running condition %+v", cond)
	}
}

// startStableStandaloneWithIngress runs the standalone example behind an Ingress, STABLE
// with a RUNNING job, and returns its name and fake JobManager URL.
func startStableStandaloneWithIngress(t *testing.T, ns string) (string, string) {
	t.Helper()
	d := readManifest(t, "standalone.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.Ingress = &v1beta1.IngressSpec{Template: "/{{namespace}}/{{name}}(/|$)(.*)", ClassName: "nginx"}
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	flink.setJobID(url, confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	return d.Name, url
}

// TestDriftConfigMapKeepsTheStartSnapshot edits and deletes the ConfigMap of a job started
// from a savepoint: the restored configuration still names that savepoint, as the running
// JobManager's does, so a JobManager restarted from it does not start the job empty.
func TestDriftConfigMapKeepsTheStartSnapshot(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := context.Background()
	d := readManifest(t, "basic-checkpoint-ha.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	const sp = "file:///flink-data/savepoints/savepoint-start"
	d.Spec.Job.InitialSavepointPath = sp
	d.Spec.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	orig := flinkConf(t, ns, d.Name)
	if confValue(orig, "execution.savepoint.path") != sp {
		t.Fatalf("the first deploy does not start from %s:\n%s", sp, orig)
	}
	flink.setJobID(url, confValue(orig, "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)
	waitForObservations(t, url, 3)
	if ev := eventsFor(t, ns, d.Name); strings.Contains(ev, "Drifted") || strings.Contains(ev, "Missing") {
		t.Fatalf("drift reported on an untouched native cluster:\n%s", ev)
	}

	key := client.ObjectKey{Namespace: ns, Name: "flink-config-" + d.Name}
	restored := func() error {
		cm := &corev1.ConfigMap{}
		if err := k8s.Get(ctx, key, cm); err != nil {
			return err
		}
		if got := cm.Data["flink-conf.yaml"]; got != orig {
			return fmt.Errorf("flink-conf.yaml is\n%s", got)
		}
		return nil
	}
	waitFor(t, "editing the ConfigMap", func() error {
		cm := &corev1.ConfigMap{}
		if err := k8s.Get(ctx, key, cm); err != nil {
			return err
		}
		cm.Data["flink-conf.yaml"] = strings.ReplaceAll(cm.Data["flink-conf.yaml"], sp, "file:///elsewhere")
		return k8s.Update(ctx, cm)
	})
	waitFor(t, "ConfigMap restored after an edit", restored)
	if err := k8s.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: key.Name}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ConfigMap re-created", restored)
	waitForEvents(t, ns, d.Name, "Drifted", "Missing")
}
