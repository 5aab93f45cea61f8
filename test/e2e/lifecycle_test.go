package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/localcluster"
)

// TestLifecycleOnLocalCluster runs a stateful job (Flink's StateMachineExample, keyed
// state, checkpoints every few seconds, Kubernetes HA) under the operator on the local
// cluster and takes it through the lifecycle: savepoint upgrade, last-state upgrade,
// suspend/resume, a JobManager pod kill, a broken upgrade that rolls back, and the
// operator killed in the middle of an upgrade. After each step Flink's own checkpoint
// statistics must show that the new job restored from the expected snapshot, with state,
// and exactly one job may be running.
func TestLifecycleOnLocalCluster(t *testing.T) {
	requireE2E(t)
	if os.Getenv("WEIR_E2E_LIFECYCLE") != "1" {
		t.Skip("lifecycle scenarios: set WEIR_E2E_LIFECYCLE=1 as well (make test-e2e-lifecycle)")
	}
	ctx := context.Background()
	if out, err := exec.Command("ip", "link", "show", localcluster.BridgeName).CombinedOutput(); err == nil {
		t.Fatalf("bridge %s exists: a local cluster is already running; run `weir local down` first\n%s", localcluster.BridgeName, out)
	}
	dataDir := os.Getenv("WEIR_E2E_LIFECYCLE_DATA_DIR")
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	r := demo.NewRunner(lineLogger{t})
	r.DataDir = dataDir
	r.OperatorBinary = buildOperatorBinary(t, ctx)
	downed := false
	t.Cleanup(func() {
		if !downed {
			_ = r.ClusterDown(context.Background())
		}
	})
	for _, step := range []func(context.Context) error{r.EnsureBinaries, r.ClusterUp} {
		if err := step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	opKey, err := r.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.InstallOperator(ctx, opKey, e2eNamespace); err != nil {
		t.Fatal(err)
	}
	c, err := r.Clients()
	if err != nil {
		t.Fatal(err)
	}
	dep := statefulDeployment("e2e-stateful", dataDir)
	key := types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}
	if err := c.Ctrl.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	lc := &lifecycleRun{t: t, ctx: ctx, r: r, c: c, key: key}
	lc.waitStable("first deployment")
	lc.waitCheckpoint()

	steps := []struct {
		name string
		run  func()
	}{
		{"savepoint upgrade", lc.savepointUpgrade},
		{"last-state upgrade", lc.lastStateUpgrade},
		{"suspend and resume", lc.suspendResume},
		{"JobManager pod killed", lc.jobManagerKilled},
		{"operator killed mid-upgrade", lc.operatorKilledMidUpgrade},
		{"broken upgrade rolls back", lc.brokenUpgradeRollsBack},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { lc.t = t; s.run() }) {
			t.Logf("operator log:\n%s", operatorLog(ctx, c))
			t.Logf("diagnosis:\n%s", c.Diagnose(ctx, key, 60))
			break
		}
	}
	lc.t = t

	err = r.ClusterDown(ctx)
	downed = true
	if err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := localcluster.Leftovers(ctx, r.Layout(), clusterBinaries()); len(left) > 0 {
		t.Errorf("left behind after down:\n  %s", strings.Join(left, "\n  "))
	}
}

// statefulDeployment is an FKO-style application with keyed state, checkpoints and HA on a
// hostPath volume that every pod of the single node shares.
func statefulDeployment(name, dataDir string) *v1beta1.FlinkDeployment {
	host := dataDir + "/volumes/" + name
	return &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e2eNamespace},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: v1beta1.FlinkVersion1_20, ServiceAccount: "flink",
			ImagePullPolicy: "IfNotPresent",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{
				"taskmanager.numberOfTaskSlots":                    "2",
				"state.backend.type":                               "hashmap",
				"state.checkpoints.dir":                            "file:///flink-data/checkpoints",
				"state.savepoints.dir":                             "file:///flink-data/savepoints",
				"execution.checkpointing.interval":                 "3s",
				"high-availability.type":                           "kubernetes",
				"high-availability.storageDir":                     "file:///flink-data/ha",
				"restart-strategy.type":                            "fixed-delay",
				"restart-strategy.fixed-delay.attempts":            "2147483647",
				"kubernetes.operator.deployment.rollback.enabled":  "true",
				"kubernetes.operator.deployment.readiness.timeout": "90s",
			}),
			PodTemplate: &v1beta1.PodTemplate{Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{
					Name: "flink-data-owner", Image: "flink:1.20", ImagePullPolicy: corev1.PullIfNotPresent,
					Command:      []string{"chown", "9999:9999", "/flink-data"},
					VolumeMounts: []corev1.VolumeMount{{Name: "flink-data", MountPath: "/flink-data"}},
				}},
				Containers: []corev1.Container{{
					Name:         "flink-main-container",
					VolumeMounts: []corev1.VolumeMount{{Name: "flink-data", MountPath: "/flink-data"}},
				}},
				Volumes: []corev1.Volume{{Name: "flink-data", VolumeSource: corev1.VolumeSource{
					HostPath: &corev1.HostPathVolumeSource{Path: host, Type: ptr.To(corev1.HostPathDirectoryOrCreate)},
				}}},
			}},
			JobManager:  &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1024m"}},
			TaskManager: &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1024m"}},
			Job: &v1beta1.JobSpec{
				JarURI:      "local:///opt/flink/examples/streaming/StateMachineExample.jar",
				Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint,
			},
		},
	}
}

type lifecycleRun struct {
	t   *testing.T
	ctx context.Context
	r   *demo.Runner
	c   *app.Clients
	key types.NamespacedName
}

func (l *lifecycleRun) get() *v1beta1.FlinkDeployment {
	l.t.Helper()
	d, err := l.c.Get(l.ctx, l.key)
	if err != nil {
		l.t.Fatal(err)
	}
	return d
}

func (l *lifecycleRun) waitStable(what string) *v1beta1.FlinkDeployment {
	l.t.Helper()
	d, err := l.r.Wait(l.ctx, l.c, l.key, app.TargetStable, readyTimeout)
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
	return d
}

func (l *lifecycleRun) update(mutate func(*v1beta1.FlinkDeploymentSpec)) {
	l.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		d := l.get()
		mutate(&d.Spec)
		err := l.c.Ctrl.Update(l.ctx, d)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatal(err)
		}
		time.Sleep(time.Second)
	}
}

// flink returns a REST client for the deployment's JobManager through the rest Service.
func (l *lifecycleRun) flink() *flinkrest.Client {
	l.t.Helper()
	url, err := l.c.UIURL(l.ctx, l.key)
	if err != nil {
		l.t.Fatal(err)
	}
	fl, err := flinkrest.New(url)
	if err != nil {
		l.t.Fatal(err)
	}
	return fl
}

// onlyJob asserts that exactly one job runs and returns it.
func (l *lifecycleRun) onlyJob() flinkrest.JobOverview {
	l.t.Helper()
	var running []flinkrest.JobOverview
	l.eventually("one RUNNING job", func() error {
		jobs, err := l.flink().ListJobs(l.ctx)
		if err != nil {
			return err
		}
		running = running[:0]
		for _, j := range jobs {
			if !j.State.IsGloballyTerminal() {
				running = append(running, j)
			}
		}
		if len(running) != 1 || running[0].State != flinkrest.JobRunning {
			return fmt.Errorf("jobs: %+v", jobs)
		}
		return nil
	})
	return running[0]
}

// restored returns what Flink says the running job restored from, once it says so.
func (l *lifecycleRun) restored(jobID string) *flinkrest.RestoredCheckpoint {
	l.t.Helper()
	var r *flinkrest.RestoredCheckpoint
	l.eventually("restore statistics of job "+jobID, func() error {
		cp, err := l.flink().Checkpoints(l.ctx, jobID)
		if err != nil {
			return err
		}
		if cp.Latest.Restored == nil {
			return fmt.Errorf("job %s reports no restore", jobID)
		}
		r = cp.Latest.Restored
		return nil
	})
	return r
}

// waitCheckpoint waits until the running job has completed a checkpoint with state in it.
func (l *lifecycleRun) waitCheckpoint() int64 {
	l.t.Helper()
	job := l.onlyJob()
	var id int64
	l.eventually("a completed checkpoint with state", func() error {
		cp, err := l.flink().Checkpoints(l.ctx, job.ID)
		if err != nil {
			return err
		}
		c := cp.Latest.Completed
		if c == nil || c.StateSize == 0 {
			return fmt.Errorf("latest completed checkpoint %+v", c)
		}
		id = c.ID
		return nil
	})
	return id
}

func (l *lifecycleRun) eventually(what string, check func() error) {
	l.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(2 * time.Second)
	}
	l.t.Fatalf("gave up waiting for %s: %v\n%s", what, err, l.c.Diagnose(l.ctx, l.key, 40))
}

func (l *lifecycleRun) savepointUpgrade() {
	before := l.onlyJob()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint
		setConf(s, "pipeline.name", "stateful-v2")
	})
	d := l.waitStable("savepoint upgrade")
	sp := d.Status.JobStatus.UpgradeSavepointPath
	if sp == "" {
		l.t.Fatal("no upgradeSavepointPath after a savepoint upgrade")
	}
	job := l.onlyJob()
	if job.ID == before.ID {
		l.t.Errorf("the job id did not change across a savepoint upgrade (%s)", job.ID)
	}
	r := l.restored(job.ID)
	if !r.IsSavepoint || !samePath(r.ExternalPath, sp) {
		l.t.Errorf("new job restored from %+v, want savepoint %s", r, sp)
	}
	l.assertRestoredState(job.ID, r)
}

func (l *lifecycleRun) lastStateUpgrade() {
	l.waitCheckpoint()
	before := l.onlyJob()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.UpgradeMode = v1beta1.UpgradeModeLastState
		setConf(s, "pipeline.name", "stateful-v3")
	})
	l.waitStable("last-state upgrade")
	job := l.onlyJob()
	if job.ID != before.ID {
		l.t.Errorf("a last-state upgrade keeps the job id: was %s, now %s", before.ID, job.ID)
	}
	r := l.restored(job.ID)
	if r.IsSavepoint {
		l.t.Errorf("last-state restored from a savepoint (%+v), want the latest checkpoint", r)
	}
	l.assertRestoredState(job.ID, r)
}

func (l *lifecycleRun) suspendResume() {
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint })
	l.waitStable("mode change")
	l.waitCheckpoint()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	if _, err := l.r.Wait(l.ctx, l.c, l.key, app.TargetSuspended, readyTimeout); err != nil {
		l.t.Fatal(err)
	}
	// SUSPENDED is reported once the suspend is recorded (as FKO does); the pods follow.
	l.eventually("no pods while suspended", func() error {
		pods := &corev1.PodList{}
		if err := l.c.Ctrl.List(l.ctx, pods, client.InNamespace(l.key.Namespace), client.MatchingLabels{"app": l.key.Name}); err != nil {
			return err
		}
		if len(pods.Items) != 0 {
			return fmt.Errorf("%d pods still run while suspended", len(pods.Items))
		}
		return nil
	})
	sp := l.get().Status.JobStatus.UpgradeSavepointPath
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateRunning })
	l.waitStable("resume")
	job := l.onlyJob()
	r := l.restored(job.ID)
	if !r.IsSavepoint || !samePath(r.ExternalPath, sp) {
		l.t.Errorf("resumed job restored from %+v, want the suspend savepoint %s", r, sp)
	}
	l.assertRestoredState(job.ID, r)
}

func (l *lifecycleRun) jobManagerKilled() {
	lastCP := l.waitCheckpoint()
	before := l.onlyJob()
	pods := &corev1.PodList{}
	if err := l.c.Ctrl.List(l.ctx, pods, client.InNamespace(l.key.Namespace),
		client.MatchingLabels{"app": l.key.Name, "component": "jobmanager"}); err != nil || len(pods.Items) == 0 {
		l.t.Fatalf("JobManager pod: %v (%d pods)", err, len(pods.Items))
	}
	for i := range pods.Items {
		if err := l.c.Ctrl.Delete(l.ctx, &pods.Items[i], client.GracePeriodSeconds(0)); err != nil {
			l.t.Fatal(err)
		}
	}
	l.eventually("the job recovered on a new JobManager", func() error {
		jobs, err := l.flink().ListJobs(l.ctx)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.ID == before.ID && j.State == flinkrest.JobRunning && j.StartTime != before.StartTime {
				return nil
			}
		}
		return fmt.Errorf("jobs %+v", jobs)
	})
	r := l.restored(before.ID)
	if r.IsSavepoint || r.ID < lastCP {
		l.t.Errorf("recovered from %+v, want a checkpoint at or after %d", r, lastCP)
	}
	l.onlyJob()
}

func (l *lifecycleRun) operatorKilledMidUpgrade() {
	l.waitCheckpoint()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { setConf(s, "pipeline.name", "stateful-v4") })
	// Kill the operator at successive points of the upgrade: as soon as it starts, while
	// the savepoint is taken, and while the old cluster goes away.
	for _, wait := range []func(*v1beta1.FlinkDeployment) bool{
		func(d *v1beta1.FlinkDeployment) bool {
			return d.Status.ReconciliationStatus.State == v1beta1.ReconciliationUpgrading
		},
		func(d *v1beta1.FlinkDeployment) bool {
			return d.Status.JobStatus.SavepointInfo != nil && d.Status.JobStatus.SavepointInfo.TriggerID != ""
		},
		func(d *v1beta1.FlinkDeployment) bool { return d.Status.JobStatus.UpgradeSavepointPath != "" },
	} {
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) && !wait(l.get()) {
			time.Sleep(200 * time.Millisecond)
		}
		l.killOperator()
	}
	d := l.waitStable("upgrade interrupted by operator kills")
	job := l.onlyJob()
	r := l.restored(job.ID)
	if !r.IsSavepoint || !samePath(r.ExternalPath, d.Status.JobStatus.UpgradeSavepointPath) {
		l.t.Errorf("restored from %+v, want the upgrade savepoint %s", r, d.Status.JobStatus.UpgradeSavepointPath)
	}
	l.assertRestoredState(job.ID, r)
}

func (l *lifecycleRun) brokenUpgradeRollsBack() {
	l.waitCheckpoint()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.EntryClass = "org.example.DoesNotExist" })
	deadline := time.Now().Add(readyTimeout)
	for {
		d := l.get()
		if d.Status.LifecycleState == v1beta1.LifecycleRolledBack && d.Status.JobStatus.State == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("no rollback: lifecycle %s job %s error %q\n%s", d.Status.LifecycleState, d.Status.JobStatus.State, d.Status.Error, l.c.Diagnose(l.ctx, l.key, 40))
		}
		time.Sleep(2 * time.Second)
	}
	job := l.onlyJob()
	l.restored(job.ID)
	jm := &appsv1.Deployment{}
	if err := l.c.Ctrl.Get(l.ctx, l.key, jm); err != nil {
		l.t.Fatal(err)
	}
	for _, a := range jm.Spec.Template.Spec.Containers[0].Args {
		if strings.Contains(a, "DoesNotExist") {
			l.t.Errorf("rolled-back JobManager still runs the broken entry class: %v", jm.Spec.Template.Spec.Containers[0].Args)
		}
	}
}

// killOperator deletes the operator pod at once; its Deployment starts a new one.
func (l *lifecycleRun) killOperator() {
	l.t.Helper()
	pods := &corev1.PodList{}
	if err := l.c.Ctrl.List(l.ctx, pods, client.InNamespace("weir-system"), client.MatchingLabels{"app.kubernetes.io/name": "weir-operator"}); err != nil {
		l.t.Fatal(err)
	}
	for i := range pods.Items {
		_ = l.c.Ctrl.Delete(l.ctx, &pods.Items[i], client.GracePeriodSeconds(0))
	}
	l.t.Logf("killed the operator (%d pods) at lifecycle %s", len(pods.Items), l.get().Status.LifecycleState)
}

// assertRestoredState checks that the job carries on from the restored snapshot: Flink
// continues the checkpoint counter of the state it restored, so the job's next completed
// checkpoint, holding state, has a higher id than the restored one (a job started empty
// counts from 1).
func (l *lifecycleRun) assertRestoredState(jobID string, r *flinkrest.RestoredCheckpoint) {
	l.t.Helper()
	if r.ID < 1 {
		l.t.Fatalf("restored snapshot has no id: %+v", r)
	}
	l.eventually("a checkpoint after the restored one", func() error {
		cp, err := l.flink().Checkpoints(l.ctx, jobID)
		if err != nil {
			return err
		}
		c := cp.Latest.Completed
		if c == nil || c.ID <= r.ID || c.StateSize == 0 {
			return fmt.Errorf("latest completed %+v, restored %d", c, r.ID)
		}
		return nil
	})
}

func setConf(s *v1beta1.FlinkDeploymentSpec, k, v string) {
	flat, _ := s.FlinkConfiguration.Flatten()
	flat[k] = v
	s.FlinkConfiguration = v1beta1.NewConfigObject(flat)
}

// samePath compares snapshot locations, which Flink may print with or without "file:".
func samePath(a, b string) bool {
	trim := func(s string) string {
		return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "file:"), "//"), "/")
	}
	return a != "" && trim(a) == trim(b)
}
