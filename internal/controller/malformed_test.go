package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// basicAsMap is examples/basic.yaml as a generic object, to break in ways the Go types
// cannot express.
func basicAsMap(t *testing.T, ns, name string) map[string]any {
	t.Helper()
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	meta := m["metadata"].(map[string]any)
	meta["name"], meta["namespace"] = name, ns
	delete(m, "status")
	return m
}

func createRaw(t *testing.T, m map[string]any, opts ...client.CreateOption) error {
	t.Helper()
	return k8s.Create(context.Background(), &unstructured.Unstructured{Object: m}, opts...)
}

// A pod template the API server accepts (it is schemaless there) but that does not fit a
// Pod is reported on its own resource, and does not stop the operator for the others.
func TestMalformedPodTemplateDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	containersAsString := map[string]any{"spec": map[string]any{"containers": "abc"}}
	cases := []struct {
		name string
		path []string // where the template goes, under spec
		tmpl map[string]any
		want string
	}{
		{"broken-pod", []string{"podTemplate"}, containersAsString,
			"spec.podTemplate: spec.containers: expected an array, got a string"},
		{"broken-jm", []string{"jobManager", "podTemplate"}, containersAsString,
			"spec.jobManager.podTemplate: spec.containers: expected an array, got a string"},
		{"broken-tm", []string{"taskManager", "podTemplate"}, containersAsString,
			"spec.taskManager.podTemplate: spec.containers: expected an array, got a string"},
		{"broken-limit", []string{"taskManager", "podTemplate"}, map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "flink-main-container", "resources": map[string]any{"limits": map[string]any{"memory": "2gb"}}}}}},
			`spec.taskManager.podTemplate: spec.containers[0].resources.limits.memory: "2gb" is not a quantity`},
		{"broken-typo", []string{"podTemplate"}, map[string]any{"spec": map[string]any{"nodeSelecter": map[string]any{"pool": "flink"}}},
			"spec.podTemplate: spec.nodeSelecter: unknown field"},
	}
	for _, tc := range cases {
		m := basicAsMap(t, ns, tc.name)
		at := m["spec"].(map[string]any)
		for _, k := range tc.path[:len(tc.path)-1] {
			at = at[k].(map[string]any)
		}
		at[tc.path[len(tc.path)-1]] = tc.tmpl
		if err := createRaw(t, m); err != nil {
			t.Fatalf("%s: the API server refused it: %v", tc.name, err)
		}
	}
	const valid = "basic-example"
	applyManifest(t, ns, "basic.yaml")

	// The client reads the broken resources (the informer's list decodes the same way).
	list := &v1beta1.FlinkDeploymentList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil || len(list.Items) != len(cases)+1 {
		t.Fatalf("listing FlinkDeployments: %d items, %v", len(list.Items), err)
	}

	waitForObject(t, ns, valid, &appsv1.Deployment{})
	waitForObject(t, ns, "flink-config-"+valid, &corev1.ConfigMap{})

	for _, tc := range cases {
		waitFor(t, tc.name+": validation error in status and as an event", func() error {
			d := getDeployment(t, ns, tc.name)
			if !strings.Contains(d.Status.Error, "ValidationException") || !strings.Contains(d.Status.Error, jsonEscaped(tc.want)) {
				return fmt.Errorf("status.error = %q", d.Status.Error)
			}
			if ev := eventsFor(t, ns, tc.name); !strings.Contains(ev, "ValidationError: ") || !strings.Contains(ev, tc.want) {
				return fmt.Errorf("events: %s", ev)
			}
			if !controllerHasFinalizer(d) {
				return fmt.Errorf("no finalizer yet")
			}
			return nil
		})
		// Adding the finalizer sent the spec back: it must be the spec as the user wrote it.
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeployment"))
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: tc.name}, u); err != nil {
			t.Fatal(err)
		}
		got, _, _ := unstructured.NestedFieldNoCopy(u.Object, append([]string{"spec"}, tc.path...)...)
		if fmt.Sprint(got) != fmt.Sprint(tc.tmpl) || u.GetGeneration() != 1 {
			t.Errorf("%s: the operator changed the spec: generation %d, template %v", tc.name, u.GetGeneration(), got)
		}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: tc.name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: a broken spec was deployed (err=%v)", tc.name, err)
		}
	}

	// A valid deployment that gets a broken template keeps running its last valid spec.
	patch := []byte(`{"spec":{"image":"flink:1.20-next","taskManager":{"podTemplate":{"spec":{"containers":"abc"}}}}}`)
	if err := k8s.Patch(context.Background(), &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: valid}},
		client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "validation error on the valid deployment", func() error {
		if st := getDeployment(t, ns, valid).Status; !strings.Contains(st.Error, "spec.taskManager.podTemplate: spec.containers") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	jm := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: valid}, jm); err != nil {
		t.Fatal(err)
	}
	if img := mainContainer(t, jm.Spec.Template.Spec).Image; img != "flink:1.20" {
		t.Errorf("the broken spec leaked into the JobManager: image %q", img)
	}

	// The broken ones can be deleted: the operator removes its finalizer.
	for _, tc := range cases {
		if err := k8s.Delete(context.Background(), getDeployment(t, ns, tc.name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range cases {
		waitFor(t, tc.name+" gone", func() error {
			err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: tc.name}, &v1beta1.FlinkDeployment{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (err=%v)", err) //nolint:errorlint // err is nil when the object still exists
		})
	}
}

// The other ways a spec could fail to decode are refused by the API server's schema (a dry
// run: an accepted one must not reach the operator's cache).
func TestSchemaRefusesUndecodableFields(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	cases := map[string]func(spec map[string]any){
		"flinkConfiguration as a string": func(s map[string]any) { s["flinkConfiguration"] = "abc" },
		"job.args as a string":           func(s map[string]any) { s["job"].(map[string]any)["args"] = "abc" },
		"job.parallelism as a string":    func(s map[string]any) { s["job"].(map[string]any)["parallelism"] = "2" },
		"podTemplate as a string":        func(s map[string]any) { s["podTemplate"] = "abc" },
		"restartNonce beyond int64":      func(s map[string]any) { s["restartNonce"] = json.Number("100000000000000000000") },
		"restartNonce 1e30":              func(s map[string]any) { s["restartNonce"] = json.Number("1e30") },
		"cpu beyond float64": func(s map[string]any) {
			s["taskManager"].(map[string]any)["resource"].(map[string]any)["cpu"] = json.Number("1e400")
		},
		"a resources limit of 2gb": func(s map[string]any) {
			s["taskManager"].(map[string]any)["resources"] = map[string]any{"limits": map[string]any{"memory": "2gb"}}
		},
	}
	for what, breakIt := range cases {
		m := basicAsMap(t, ns, "refused")
		breakIt(m["spec"].(map[string]any))
		if err := createRaw(t, m, client.DryRunAll); !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
			t.Errorf("%s: the API server did not refuse it: %v", what, err)
		}
	}
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
