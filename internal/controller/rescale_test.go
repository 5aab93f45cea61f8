package controller_test

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"weir.dev/weir/api/v1beta1"
)

// A parallelism change of a native job on the adaptive scheduler rescales the running job
// through its resource requirements: same JobManager Deployment, same job id.
func TestNativeAdaptiveParallelismRescalesInPlace(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic.yaml", "", map[string]string{"jobmanager.scheduler": "adaptive"})
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	jobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")

	// The first PUT is refused: the change must not be recorded as done, and the next
	// reconcile must send it again.
	flink.refuseNextRescale(url)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 })
	want := fmt.Sprintf("RESCALE %s 4/4", jobID)
	waitFor(t, "the rescale PUT, refused then repeated", func() error {
		if calls := flink.callsLike(url, "RESCALE"); len(calls) < 2 || calls[0] != want || calls[1] != want {
			return fmt.Errorf("rescale calls %v, want %q twice", calls, want)
		}
		return nil
	})
	waitFor(t, "parallelism 4 recorded", func() error {
		last, _, err := getDeployment(t, ns, name).LastReconciledSpec()
		if err != nil || last == nil || last.Job.Parallelism != 4 {
			return fmt.Errorf("last reconciled %v (%w)", last, err)
		}
		return nil
	})
	waitForEvents(t, ns, name, "Scaling", "rescale refused (test)")
	now := getDeployment(t, ns, name)
	if got := waitForObject(t, ns, name, &appsv1.Deployment{}); got.UID != jm.UID {
		t.Errorf("JobManager Deployment replaced (uid %s -> %s)", jm.UID, got.UID)
	}
	if now.Status.JobStatus.JobID != jobID {
		t.Errorf("job id %q, want the running job's %q", now.Status.JobStatus.JobID, jobID)
	}
	// An upgrade (stateless here) would cancel the job; a savepoint upgrade would stop it.
	for _, c := range flink.callsTo(url) {
		if !strings.HasPrefix(c, "RESCALE") {
			t.Errorf("job touched by %q", c)
		}
	}
}

// With kubernetes.operator.job.upgrade.inplace-scaling.enabled false, the same change is
// an upgrade: a new job under a new id, and no resource-requirements call.
func TestInPlaceScalingOffUpgrades(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic.yaml", "", map[string]string{
		"jobmanager.scheduler": "adaptive", "kubernetes.operator.job.upgrade.inplace-scaling.enabled": "false",
	})
	jobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 })
	waitFor(t, "a new job deployed at parallelism 4", func() error {
		c := flinkConf(t, ns, name)
		if id := confValue(c, "$internal.pipeline.job-id"); id == jobID || confValue(c, "parallelism.default") != "4" {
			return fmt.Errorf("job id %s, parallelism.default %q", id, confValue(c, "parallelism.default"))
		}
		return nil
	})
	if calls := flink.callsLike(url, "RESCALE"); len(calls) != 0 {
		t.Errorf("rescaled in place although turned off: %v", calls)
	}
}
