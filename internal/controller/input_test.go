package controller_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// fkoMainBasic is FKO's basic example as its main branch writes it: memory "2048m" in the
// core `resources` form, which FKO reads as 2048 MiB.
const fkoMainBasic = "../internal/validation/testdata/manifests/fko-main-basic.yaml"

func TestFKOResourcesMemoryIsFlinkSyntax(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	applyManifest(t, ns, fkoMainBasic)
	const name = "basic-example"
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	res := mainContainer(t, jm.Spec.Template.Spec).Resources
	if m := res.Requests.Memory(); m.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("JobManager memory request = %s, want 2Gi (2048m is 2048 MiB to FKO)", m.String())
	}
	if c := res.Requests.Cpu(); c.Cmp(resource.MustParse("1")) != 0 {
		t.Errorf("JobManager cpu request = %s, want 1", c.String())
	}
	cm := waitForObject(t, ns, "flink-config-"+name, &corev1.ConfigMap{})
	if conf := cm.Data["flink-conf.yaml"]; !strings.Contains(conf, "jobmanager.memory.process.size: 2g\n") ||
		!strings.Contains(conf, "taskmanager.memory.process.size: 2g\n") {
		t.Errorf("flink-conf.yaml lacks 2048m (2g) process sizes:\n%s", conf)
	}
	// The amounts come back from the API server as written.
	d := getDeployment(t, ns, name)
	if got, _ := d.Spec.JobManager.Resources.Requests.Get(corev1.ResourceMemory); got != "2048m" {
		t.Errorf("stored memory = %q, want 2048m", got)
	}
}

func TestTooSmallMemoryIsAValidationError(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	objs := readManifest(t, "basic.yaml")
	d := objs[0].(*v1beta1.FlinkDeployment)
	d.SetNamespace(ns)
	d.Spec.TaskManager.Resource = nil
	d.Spec.TaskManager.Resources = &v1beta1.ResourceRequirements{Requests: v1beta1.ResourceList{corev1.ResourceMemory: "100m"}}
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "validation error in status and as an event", func() error {
		st := getDeployment(t, ns, d.Name).Status
		if !strings.Contains(st.Error, `spec.taskManager.resources.requests.memory \"100m\" is too small for a TaskManager`) &&
			!strings.Contains(st.Error, `spec.taskManager.resources.requests.memory "100m" is too small for a TaskManager`) {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		if ev := eventsFor(t, ns, d.Name); !strings.Contains(ev, "ValidationError") || !strings.Contains(ev, "use at least 982m") {
			return fmt.Errorf("events: %s", ev)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("a spec too small for Flink was deployed (err=%v)", err)
	}
}

// TestAPIServerRefusesOutOfRangeInput: values weir's Go types cannot hold are refused by the
// API server (CRD schema), with the field named, instead of failing weir's decoding later.
func TestAPIServerRefusesOutOfRangeInput(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	for i, tc := range []struct {
		name   string
		set    func(spec map[string]any)
		expect string
	}{
		{"parallelism 2^31", func(s map[string]any) { s["job"].(map[string]any)["parallelism"] = int64(2147483648) }, "spec.job.parallelism"},
		{"taskManager replicas 2^31", func(s map[string]any) {
			s["taskManager"].(map[string]any)["replicas"] = int64(2147483648)
		}, "spec.taskManager.replicas"},
		{"memory not a quantity", func(s map[string]any) {
			s["jobManager"] = map[string]any{"resources": map[string]any{"requests": map[string]any{"memory": "2 gigs"}}}
		}, "spec.jobManager.resources.requests.memory"},
		{"memory a boolean", func(s map[string]any) {
			s["jobManager"] = map[string]any{"resources": map[string]any{"requests": map[string]any{"memory": true}}}
		}, "spec.jobManager.resources.requests.memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := basicUnstructured(t, ns)
			u.SetName(fmt.Sprintf("refused-%d", i))
			spec := u.Object["spec"].(map[string]any)
			tc.set(spec)
			err := k8s.Create(context.Background(), u)
			if err == nil {
				t.Fatalf("the API server accepted %s", tc.name)
			}
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.expect) {
				t.Fatalf("error %v, want an Invalid error naming %s", err, tc.expect)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// basicUnstructured is examples/basic.yaml as an unstructured object in ns.
func basicUnstructured(t *testing.T, ns string) *unstructured.Unstructured {
	t.Helper()
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.SetNamespace(ns)
	d.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeployment"))
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func TestLongNameIsRefusedAndStillDeletes(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.SetNamespace(ns)
	d.SetName(strings.Repeat("a", 253))
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "validation error naming the limit", func() error {
		st := getDeployment(t, ns, d.Name).Status
		if !strings.Contains(st.Error, "use at most 45") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	if err := k8s.Delete(context.Background(), getDeployment(t, ns, d.Name)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "FlinkDeployment gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err == nil {
			return errors.New("still there")
		}
		return err
	})
}
