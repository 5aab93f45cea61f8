package controller_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/operator"
)

// A last-state upgrade (parallelism 2 -> 1) must run the new spec: the job graph in Flink's
// HA data would make the new JobManager recover the old job (parallelism 2). It is deleted
// before the new JobManager is applied; the checkpoint pointers, the job's state, stay.
func TestLastStateUpgradeDeletesTheJobGraphAndKeepsCheckpoints(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeLastState)
	jobID := confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id")
	labels := map[string]string{"app": name, "configmap-type": "high-availability", "type": "flink-native-kubernetes"}
	clusterCM := &corev1.ConfigMap{Data: map[string]string{
		"jobGraph-" + jobID: "graph at parallelism 2", "executionPlan-" + jobID: "plan at parallelism 2", "org.apache.flink.k8s.leader.restserver": "leader",
	}}
	clusterCM.Name, clusterCM.Namespace, clusterCM.Labels = name+"-cluster-config-map", ns, labels
	jobCM := &corev1.ConfigMap{Data: map[string]string{"checkpointID-0000000000000000007": "pointer", "counter": "8"}}
	jobCM.Name, jobCM.Namespace, jobCM.Labels = name+"-"+jobID+"-config-map", ns, labels
	for _, cm := range []*corev1.ConfigMap{clusterCM, jobCM} {
		if err := k8s.Create(context.Background(), cm); err != nil {
			t.Fatal(err)
		}
	}
	old := waitForObject(t, ns, name, &appsv1.Deployment{})

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 1 })
	waitFor(t, "the new JobManager Deployment", func() error {
		jm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
			return err
		}
		if jm.UID == old.UID {
			return errors.New("still the old JobManager Deployment")
		}
		return nil
	})
	// Nothing but the operator writes these ConfigMaps here, so what they hold now is what
	// they held when the new JobManager was applied.
	for _, cm := range []*corev1.ConfigMap{clusterCM, jobCM} {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(cm), cm); err != nil {
			t.Fatalf("HA ConfigMap %s lost on a last-state upgrade: %v", cm.Name, err)
		}
	}
	for k := range clusterCM.Data {
		if strings.HasPrefix(k, "jobGraph-") || strings.HasPrefix(k, "executionPlan-") {
			t.Errorf("the old job graph %s survived a last-state upgrade: the new JobManager would run the old spec", k)
		}
	}
	if clusterCM.Data["org.apache.flink.k8s.leader.restserver"] == "" {
		t.Error("keys other than the job graph were removed")
	}
	if jobCM.Data["checkpointID-0000000000000000007"] != "pointer" || jobCM.Data["counter"] != "8" {
		t.Errorf("checkpoint pointers changed: %v", jobCM.Data)
	}
	conf := flinkConf(t, ns, name)
	if got := confValue(conf, "$internal.pipeline.job-id"); got != jobID {
		t.Errorf("job id %q after a last-state upgrade, want the same %q (its checkpoints are keyed by it)", got, jobID)
	}
	if p := confValue(conf, "execution.savepoint.path"); p != "" {
		t.Errorf("a last-state upgrade restores from HA data, not from %q", p)
	}
	if calls := flink.callsTo(url); len(calls) != 0 {
		t.Errorf("a last-state upgrade must not stop the job through Flink: %v", calls)
	}
}

// statusWatch records every version of the resources of one kind in ns (a watch sees each
// write), so a test can check a property of all statuses a client could have read.
type statusWatch[T client.Object] struct {
	mu   sync.Mutex
	seen []T
	stop context.CancelFunc
	done chan struct{}
}

func watchStatuses[T client.Object](t *testing.T, ns string, list client.ObjectList) *statusWatch[T] {
	t.Helper()
	wc, err := client.NewWithWatch(cfg, client.Options{Scheme: operator.NewScheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, list, client.InNamespace(ns))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	sw := &statusWatch[T]{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(sw.done)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if obj, ok := ev.Object.(T); ok {
					sw.mu.Lock()
					sw.seen = append(sw.seen, obj)
					sw.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(cancel)
	return sw
}

// finish stops the watch and returns what it saw.
func (sw *statusWatch[T]) finish() []T {
	sw.stop()
	<-sw.done
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.seen
}

// A savepoint suspend is reported SUSPENDED only together with its savepoint's path: a
// client that sees SUSPENDED without one concludes that no state was kept.
func TestSuspendIsReportedOnlyWithItsSavepoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	sw := watchStatuses[*v1beta1.FlinkDeployment](t, ns, &v1beta1.FlinkDeploymentList{})
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	d := waitForLifecycle(t, ns, name, v1beta1.LifecycleSuspended)
	flink.setJob(url, "")
	seen := sw.finish()
	if d.Status.JobStatus.UpgradeSavepointPath == "" {
		t.Fatal("SUSPENDED without the suspend savepoint's path")
	}
	suspending := 0
	for _, o := range seen {
		st := o.Status
		if st.LifecycleState == v1beta1.LifecycleSuspended && st.JobStatus.UpgradeSavepointPath == "" {
			t.Fatalf("a status reads SUSPENDED with no upgradeSavepointPath (resourceVersion %s, job %s)", o.ResourceVersion, st.JobStatus.State)
		}
		if last, _, _ := o.LastReconciledSpec(); last != nil && last.Job.EffectiveState() == v1beta1.JobStateSuspended && st.JobStatus.UpgradeSavepointPath == "" {
			suspending++ // the intent is recorded before the savepoint exists (write-ahead)
		}
	}
	if suspending == 0 {
		t.Errorf("no status recorded the suspend before its savepoint completed (%d versions seen)", len(seen))
	}
}

// A standalone upgrade whose old JobManager Deployment is deleted before the old
// TaskManager Deployment must not apply the new cluster until both are gone, or the
// TaskManager Deployment being deleted swallows the new one.
func TestStandaloneUpgradeWaitsForTheOldTaskManagers(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, _ := startStable(t, ns, "standalone.yaml", v1beta1.UpgradeModeStateless)
	tmName := name + "-taskmanager"
	oldJM := waitForObject(t, ns, name, &appsv1.Deployment{})
	oldTM := waitForObject(t, ns, tmName, &appsv1.Deployment{})
	setHold(t, ns, tmName, true)

	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	waitFor(t, "the old TaskManager Deployment terminating and the old JobManager Deployment gone", func() error {
		tm := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: tmName}, tm); err != nil {
			return err
		}
		if tm.DeletionTimestamp.IsZero() {
			return errors.New("TaskManager Deployment not being deleted")
		}
		jm := &appsv1.Deployment{}
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, jm)
		if err == nil && jm.UID == oldJM.UID {
			return errors.New("old JobManager Deployment still there")
		}
		return client.IgnoreNotFound(err)
	})
	// Several reconciles (2 s apart while a cluster goes away) pass with the old TaskManager
	// Deployment still terminating: none may apply the new cluster.
	for i := 0; i < 5; i++ {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{})
		if !apierrors.IsNotFound(err) {
			t.Fatalf("the new JobManager Deployment was applied while the old TaskManager Deployment was still being deleted (err=%v)", err)
		}
		time.Sleep(time.Second)
	}
	setHold(t, ns, tmName, false)
	for _, n := range []string{name, tmName} {
		waitFor(t, "the new "+n+" Deployment", func() error {
			d := &appsv1.Deployment{}
			if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: n}, d); err != nil {
				return err
			}
			if d.UID == oldJM.UID || d.UID == oldTM.UID || !d.DeletionTimestamp.IsZero() {
				return errors.New("still the old Deployment")
			}
			if img := mainContainer(t, d.Spec.Template.Spec).Image; img != "flink:1.20.1" {
				return fmt.Errorf("image %s", img)
			}
			return nil
		})
	}
}

// A standalone cluster that loses its TaskManager Deployment gets it back.
func TestStandaloneMissingTaskManagerDeploymentIsRestored(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, _ := startStable(t, ns, "standalone.yaml", v1beta1.UpgradeModeStateless)
	tm := waitForObject(t, ns, name+"-taskmanager", &appsv1.Deployment{})
	if err := k8s.Delete(context.Background(), tm); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the TaskManager Deployment re-created", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(tm), d); err != nil {
			return err
		}
		if d.UID == tm.UID {
			return errors.New("still the deleted one")
		}
		return nil
	})
	waitForEvents(t, ns, name, "Missing: TaskManager Deployment")
}

// setHold adds or removes the holdDeletion finalizer of a Deployment.
func setHold(t *testing.T, ns, name string, hold bool) {
	t.Helper()
	waitFor(t, "finalizer update", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			return err
		}
		d.Finalizers = slices.DeleteFunc(d.Finalizers, func(f string) bool { return f == holdDeletion })
		if hold {
			d.Finalizers = append(d.Finalizers, holdDeletion)
		}
		return k8s.Update(context.Background(), d)
	})
}
