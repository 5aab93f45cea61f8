package controller_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/rand"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/operator"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// waitFor polls check until it returns nil. The bound is a safety net against a hung test,
// not a performance assertion: two minutes, because the suite's tests run in parallel on a
// CI machine that may be loaded (one such wait once took over a minute there).
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	testenv.Eventually(t, what, testenv.Poll{Limit: 2 * time.Minute, Diagnose: dumpDeployments}, check)
}

// newNamespace creates a namespace of its own for one test, with the flink ServiceAccount
// the chart creates in a watched namespace (the operator creates none).
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t-" + rand.String(6)}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "flink", Namespace: ns.Name,
		Labels: map[string]string{resources.FlinkServiceAccountLabel: "true"}}}
	if err := k8s.Create(context.Background(), sa); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// applyManifest creates every object of an examples/ manifest in ns, unchanged but for the
// namespace, and returns them.
func applyManifest(t *testing.T, ns, file string) []client.Object { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	objs := readManifest(t, file)
	for _, o := range objs {
		o.SetNamespace(ns)
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %s from %s: %v", o.GetName(), file, err)
		}
	}
	return objs
}

func readManifest(t *testing.T, file string) []client.Object {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(operator.NewScheme(), serializer.EnableStrict).UniversalDeserializer()
	var out []client.Object
	reader := utilyaml.NewYAMLReader(bufioReader(raw))
	for {
		doc, err := reader.Read()
		if err != nil {
			break
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s is not accepted as written: %v", file, err)
		}
		out = append(out, obj.(client.Object))
	}
	return out
}

func getDeployment(t *testing.T, ns, name string) *v1beta1.FlinkDeployment {
	t.Helper()
	d := &v1beta1.FlinkDeployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitForObject waits until obj exists and returns it filled in.
func waitForObject[T client.Object](t *testing.T, ns, name string, obj T) T {
	t.Helper()
	waitFor(t, fmt.Sprintf("%T %s/%s", obj, ns, name), func() error {
		return k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
	})
	return obj
}

// markReady plays the kubelet: it reports the Deployment's pods ready.
func markReady(t *testing.T, ns, name string) {
	t.Helper()
	waitFor(t, "deployment status update", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			return err
		}
		replicas := int32(1)
		if d.Spec.Replicas != nil {
			replicas = *d.Spec.Replicas
		}
		d.Status.ObservedGeneration = d.Generation
		d.Status.Replicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UpdatedReplicas = replicas, replicas, replicas, replicas
		return k8s.Status().Update(context.Background(), d)
	})
}

// restURLOf returns the URL the operator uses for a cluster's REST Service.
func restURLOf(t *testing.T, ns, name string) string {
	t.Helper()
	svc := waitForObject(t, ns, name+"-rest", &corev1.Service{})
	return fmt.Sprintf("http://%s:8081", svc.Spec.ClusterIP)
}

// eventsFor lists the reasons and messages of the Events about an object.
func eventsFor(t *testing.T, ns, name string) string {
	t.Helper()
	evs := &corev1.EventList{}
	if err := k8s.List(context.Background(), evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == name {
			fmt.Fprintf(&b, "%s: %s\n", e.Reason, e.Message)
		}
	}
	return b.String()
}

// waitForEvents waits until the Events about an object contain every one of want. Events
// are recorded asynchronously, so a single read right after a status wait races them.
func waitForEvents(t *testing.T, ns, name string, want ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("events %q about %s/%s", want, ns, name), func() error {
		ev := eventsFor(t, ns, name)
		for _, w := range want {
			if !strings.Contains(ev, w) {
				return fmt.Errorf("no %q among:\n%s", w, ev)
			}
		}
		return nil
	})
}

func mainContainer(t *testing.T, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	for _, c := range spec.Containers {
		if c.Name == "flink-main-container" {
			return c
		}
	}
	t.Fatalf("no flink-main-container among %d containers", len(spec.Containers))
	return corev1.Container{}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// dumpDeployments describes every FlinkDeployment, for failure messages.
func dumpDeployments() string {
	list := &v1beta1.FlinkDeploymentList{}
	if err := k8s.List(context.Background(), list); err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, d := range list.Items {
		st := d.Status
		fmt.Fprintf(&b, "%s/%s: lifecycle=%s reconciliation=%s job=%s jm=%s error=%q\n", d.Namespace, d.Name,
			st.LifecycleState, st.ReconciliationStatus.State, st.JobStatus.State, st.JobManagerDeploymentStatus, st.Error)
	}
	return b.String()
}
