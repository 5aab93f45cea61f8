package controller_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"weir.dev/weir/api/v1beta1"
)

// hungTarget returns the server standing in for a JobManager that never answers, if any.
func (f *fakeFlink) hungTarget(restURL string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hung[restURL]
}

// hang makes the JobManager behind restURL accept connections and never answer.
func (f *fakeFlink) hang(t *testing.T, restURL string) *atomic.Int64 {
	t.Helper()
	var asked atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		select { // hold the request until the client gives up or the test ends
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hung == nil {
		f.hung = map[string]string{}
	}
	f.hung[restURL] = srv.URL
	return &asked
}

// JobManagers that accept connections and never answer are probed in the background, never
// inline: another app still gets its objects and its job observed, and the hung ones are
// reported unreachable.
func TestHungJobManagerDoesNotHoldUpOtherApps(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	create := func(name string) {
		t.Helper()
		dep := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
		dep.Name, dep.Namespace = name, ns
		if err := k8s.Create(t.Context(), dep); err != nil {
			t.Fatal(err)
		}
	}

	// Three dead JobManagers: asked inline with long timeouts, they would take turns
	// holding the only worker of this suite's controller.
	hung := []string{"hung-0", "hung-1", "hung-2"}
	for _, name := range hung {
		create(name)
		waitForObject(t, ns, name, &appsv1.Deployment{})
		asked := flink.hang(t, restURLOf(t, ns, name))
		markReady(t, ns, name)
		waitFor(t, "the operator to call "+name+"'s JobManager", func() error {
			if asked.Load() == 0 {
				return fmt.Errorf("not asked yet")
			}
			return nil
		})
	}

	create("fine")
	waitForObject(t, ns, "fine", &appsv1.Deployment{})
	waitForObject(t, ns, "flink-config-fine", &corev1.ConfigMap{})
	waitForObject(t, ns, "fine", &corev1.Service{})
	flink.setJob(restURLOf(t, ns, "fine"), "RUNNING")
	markReady(t, ns, "fine")
	waitFor(t, "the second app's job to be observed RUNNING", func() error {
		st := getDeployment(t, ns, "fine").Status
		if st.JobStatus.State != "RUNNING" || st.JobManagerDeploymentStatus != v1beta1.JMReady {
			return fmt.Errorf("job %q jm %s", st.JobStatus.State, st.JobManagerDeploymentStatus)
		}
		return nil
	})

	for _, name := range hung {
		st := getDeployment(t, ns, name).Status
		if st.JobManagerDeploymentStatus == v1beta1.JMReady || st.JobStatus.State == "RUNNING" {
			t.Errorf("%s was taken for ready: jm %s job %q", name, st.JobManagerDeploymentStatus, st.JobStatus.State)
		}
	}
	waitFor(t, "the hung JobManagers to be reported unreachable", func() error {
		if n := gauge(t, "weir_flinkdeployment_jobmanager_unreachable"); n < float64(len(hung)) {
			return fmt.Errorf("unreachable = %v", n)
		}
		return nil
	})
}

// gauge reads a gauge of the operator's metrics registry.
func gauge(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}
