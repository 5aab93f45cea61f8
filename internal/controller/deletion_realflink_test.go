package controller_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/testenv"
)

// TestDeploymentSavepointOnDeletionOnRealFlink deletes a FlinkDeployment whose job runs on
// a real local Flink cluster (WEIR_FLINK_IT=1) with savepoint-on-deletion: Flink stops the
// job with a savepoint whose files exist, and the Cleanup Event names it.
func TestDeploymentSavepointOnDeletionOnRealFlink(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run against a real local Flink cluster")
	}
	ctx := context.Background()
	dirs := t.TempDir()
	savepoints := "file://" + filepath.Join(dirs, "savepoints")
	cluster := flinktest.New(t, flinktest.Options{Version: "1.20", Config: map[string]string{
		"state.savepoints.dir": savepoints, "taskmanager.numberOfTaskSlots": "2", "pekko.startup-timeout": "60 s",
	}})
	api, err := rest.New(cluster.RESTURL)
	if err != nil {
		t.Fatal(err)
	}

	ns := newNamespace(t)
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
		"taskmanager.numberOfTaskSlots": "2", "state.savepoints.dir": savepoints,
		"kubernetes.operator.job.savepoint-on-deletion": "true",
	})
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, d.Name)
	waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	// The application's JobManager is played by the local cluster: it runs the job under
	// the id weir fixed for it.
	jobID := confValue(flinkConf(t, ns, d.Name), "$internal.pipeline.job-id")
	jar, err := api.UploadJar(ctx, filepath.Join(cluster.Home, "examples", "streaming", "StateMachineExample.jar"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.RunJar(ctx, jar, rest.RunJarRequest{JobID: jobID, Parallelism: 2}); err != nil {
		t.Fatal(err)
	}
	flink.routeToRealFlink(url, cluster.RESTURL)
	markReady(t, ns, d.Name)
	waitForLifecycle(t, ns, d.Name, v1beta1.LifecycleStable)

	if err := k8s.Delete(ctx, getDeployment(t, ns, d.Name)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the deployment gone after its savepoint", testenv.Poll{Limit: 3 * time.Minute, Interval: time.Second}, func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err) //nolint:errorlint // err is nil when it still exists
	})
	jobs, err := api.ListJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.ID == jobID && j.State != rest.JobFinished {
			t.Errorf("job %s is %s after the deletion, want FINISHED (stopped with a savepoint)", j.ID, j.State)
		}
	}
	waitForEvents(t, ns, d.Name, "; final savepoint file:")
	var path string
	for _, line := range strings.Split(eventsFor(t, ns, d.Name), "\n") {
		if _, p, ok := strings.Cut(line, "; final savepoint "); ok && strings.HasPrefix(line, "Cleanup:") {
			path = p
		}
	}
	if path == "" {
		t.Fatalf("no Cleanup Event naming the final savepoint:\n%s", eventsFor(t, ns, d.Name))
	}
	if _, err := os.Stat(filepath.Join(strings.TrimPrefix(path, "file:"), "_metadata")); err != nil {
		t.Errorf("final savepoint %s has no _metadata: %v", path, err)
	}
}
