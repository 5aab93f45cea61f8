package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// A JobManager Deployment lost while the job runs (deleted by hand, or by a node pool
// drain gone wrong) is re-created under the same job id and recovers from the HA data,
// never from empty state, with FKO's Missing and RecoverDeployment Events.
func TestLostJobManagerRecoversFromHAData(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState)
	jobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")
	ha := haConfigMap(t, ns, name)

	jm := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
		t.Fatal(err)
	}
	flink.setJob(url, "") // the JobManager and its REST API go with the Deployment
	if err := k8s.Delete(context.Background(), jm); err != nil {
		t.Fatal(err)
	}
	waitForEvents(t, ns, name, "Missing: Missing JobManager deployment",
		"RecoverDeployment: Recovering lost deployment: JobManager deployment is missing; recovering from HA metadata")
	again := waitForObject(t, ns, name, &appsv1.Deployment{})
	if again.UID == jm.UID {
		t.Fatal("the JobManager Deployment was not re-created")
	}
	conf := flinkConf(t, ns, name)
	if got := confValue(conf, "$internal.pipeline.job-id"); got != jobID {
		t.Errorf("job id after recovery = %q, want %q (the HA data is keyed by it)", got, jobID)
	}
	if p := confValue(conf, "execution.savepoint.path"); p != "" {
		t.Errorf("recovery must use the HA data, not a savepoint (%q)", p)
	}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ha), &corev1.ConfigMap{}); err != nil {
		t.Errorf("HA data lost in the recovery: %v", err)
	}
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
}

// With kubernetes.operator.jm-deployment-recovery.enabled false a lost JobManager stays
// lost: the operator says so in status.error instead of re-creating it.
func TestJobManagerRecoveryOff(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState, map[string]string{
		"kubernetes.operator.jm-deployment-recovery.enabled": "false",
	})
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	haConfigMap(t, ns, name)

	flink.setJob(url, "")
	if err := k8s.Delete(context.Background(), jm); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refusal in status.error", func() error {
		if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(e, "jm-deployment-recovery.enabled is false") {
			return fmt.Errorf("error %q", e)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("the JobManager Deployment was re-created (err=%v)", err)
	}
}
