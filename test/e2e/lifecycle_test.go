package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
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
	"weir.dev/weir/deploy/argocd"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/testenv"
)

// TestLifecycleOnLocalCluster runs the audiences example job (keyed state, exactly-once
// file sink, checkpoints every 3s, Kubernetes HA) under the operator on the local cluster
// while events flow, and takes it through the lifecycle: savepoint upgrade, last-state
// upgrade, suspend/resume, a JobManager pod kill, a TaskManager pod kill, a
// FlinkStateSnapshot, the operator killed at several points of an upgrade, and a broken
// upgrade that rolls back. After each step Flink's own checkpoint statistics must show
// that the job restored from the expected snapshot, exactly one job may run, and the audit
// proves from the committed output that no event was lost or counted twice. Finally the
// input ends and the audit checks the whole run: every event counted exactly once, every
// user's traits and audience history equal to a reference computed from the seed.
// Its state and output are on the local platform's S3 server (audiences_test.go): the audit
// reads the output from the bucket, the snapshot steps check the savepoints there, the
// savepoint upgrade moves the job onto RocksDB with incremental checkpoints, and the run
// ends with an account of the state bucket (lifecycle_s3_test.go).
func TestLifecycleOnLocalCluster(t *testing.T) {
	requireE2E(t)
	if os.Getenv("WEIR_E2E_LIFECYCLE") != "1" {
		t.Skip("lifecycle scenarios: set WEIR_E2E_LIFECYCLE=1 as well (make test-e2e-lifecycle)")
	}
	ctx := context.Background()
	// The metrics server, log store and log shipper run beside it (observability_test.go).
	r, c := operatorCluster(t, ctx, "WEIR_E2E_LIFECYCLE_DATA_DIR", localcluster.FeatureObservability)
	job := newAudiencesJob(t, ctx, r, c, "audiences")
	ensureLifecycleProfile(t, ctx, c) // lifecycle_profile_test.go
	dep := job.deployment()
	dep.Labels = map[string]string{profileLabel: lifecycleProfile}
	key := types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}
	if err := c.Ctrl.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	lc := &lifecycleRun{t: t, ctx: ctx, r: r, c: c, key: key, job: job, entropy: map[string]bool{}, savepoints: map[string]bool{}, disposed: map[string]bool{}}
	lc.waitStable("first deployment")
	lc.waitCheckpoint()
	lc.auditProgress()

	// Every step but the snapshot (which does not touch the job) and the last one (which
	// audits the whole run) ends with an audit of the output committed so far.
	steps := []struct {
		name  string
		run   func()
		audit bool
	}{
		{"savepoint upgrade", lc.savepointUpgrade, true},
		{"last-state upgrade", lc.lastStateUpgrade, true},
		{"suspend and resume", lc.suspendResume, true},
		{"JobManager pod killed", lc.jobManagerKilled, true},
		{"TaskManager pod killed", lc.taskManagerKilled, true},
		{"queryable state: users' traits through the Service", lc.queryableState, false},
		{"profile change rolls out", lc.profileChange, true},
		{"CLI: TaskManager logs and the UI's port-forward", lc.cliLogsAndUI, false},
		{"FlinkStateSnapshot", lc.stateSnapshot, false},
		{"operator killed mid-upgrade", lc.operatorKilledMidUpgrade, true},
		{"broken upgrade rolls back", lc.brokenUpgradeRollsBack, true},
		{"metrics, dashboards, alert rules and logs in the platform's stores", lc.observability, false},
		{"input ends, whole run audited", lc.runToEnd, false},
	}
	only := os.Getenv("WEIR_E2E_LIFECYCLE_STEPS") // while developing: a comma-separated subset, by name
	for _, s := range steps {
		if only != "" && !selected(s.name, only) {
			continue
		}
		start := time.Now()
		ok := t.Run(s.name, func(t *testing.T) {
			lc.t = t
			s.run()
			if s.audit {
				lc.auditProgress()
			}
		})
		t.Logf("step %q took %s", s.name, time.Since(start).Round(time.Second))
		if !ok {
			t.Logf("operator log:\n%s", operatorLog(ctx, c))
			t.Logf("diagnosis:\n%s", c.Diagnose(ctx, key, 60))
			return
		}
	}
	t.Run("state bucket layout", func(t *testing.T) {
		lc.t = t
		lc.bucketLayout()
	})
}

type lifecycleRun struct {
	t   *testing.T
	ctx context.Context
	r   *demo.Runner
	c   *app.Clients
	key types.NamespacedName
	job *audiencesJob
	// committed is how many part files the last audit saw; each audit must see more.
	committed int
	// What the listings of the state bucket showed over the run (observeBucket): the
	// entropy prefixes of checkpoint data files, the most data files and incremental
	// (shared) files seen at once, every savepoint the app reported, and the savepoints
	// that must be gone (disposed FlinkStateSnapshots).
	entropy            map[string]bool
	maxData, maxShared int
	metadata, listings int
	savepoints         map[string]bool
	disposed           map[string]bool
	// killedJobManagers and killedTaskManagers are the pods the kill steps deleted, whose
	// logs the log store must still hold.
	killedJobManagers, killedTaskManagers []string
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
	l.eventually("ArgoCD health Healthy after "+what, func() error { // STABLE with the job RUNNING
		hs, err := argocd.Health("FlinkDeployment", l.get())
		if err == nil && hs.Status != argocd.Healthy {
			err = fmt.Errorf("%s: %s", hs.Status, hs.Message)
		}
		return err
	})
	return d
}

// argoHealth checks what ArgoCD, with weir's health script (deploy/argocd), makes of the
// real operator's status d.
func (l *lifecycleRun) argoHealth(d *v1beta1.FlinkDeployment, want string) {
	l.t.Helper()
	hs, err := argocd.Health("FlinkDeployment", d)
	if err != nil || hs.Status != want {
		l.t.Errorf("ArgoCD health %s %q (err %v), want %s; lifecycle %s, job %s", hs.Status, hs.Message, err, want,
			d.Status.LifecycleState, d.Status.JobStatus.State)
	}
}

func (l *lifecycleRun) update(mutate func(*v1beta1.FlinkDeploymentSpec)) {
	l.t.Helper()
	testenv.Eventually(l.t, "the spec update", testenv.Poll{Interval: time.Second}, func() error {
		d := l.get()
		mutate(&d.Spec)
		return l.c.Ctrl.Update(l.ctx, d) // a conflict with the operator's status writes: try again
	})
}

// flink returns a REST client for the deployment's JobManager through the rest Service.
// Its error is the caller's to retry: the Service goes and comes back with the JobManager.
func (l *lifecycleRun) flink() (*flinkrest.Client, error) {
	return restClient(l.ctx, l.c, l.key)
}

// onlyJob asserts that exactly one job runs and returns it.
func (l *lifecycleRun) onlyJob() flinkrest.JobOverview {
	l.t.Helper()
	var running []flinkrest.JobOverview
	l.eventually("one RUNNING job", func() error {
		fl, err := l.flink()
		if err != nil {
			return err
		}
		jobs, err := fl.ListJobs(l.ctx)
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
		fl, err := l.flink()
		if err != nil {
			return err
		}
		cp, err := fl.Checkpoints(l.ctx, jobID)
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
		fl, err := l.flink()
		if err != nil {
			return err
		}
		cp, err := fl.Checkpoints(l.ctx, job.ID)
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
	eventually(l.t, what, check, func() string { return l.c.Diagnose(l.ctx, l.key, 40) })
}

// savepointUpgrade also moves the job from the heap backend to RocksDB with incremental
// checkpoints (a canonical savepoint restores into either backend); the rest of the run
// stays on RocksDB.
func (l *lifecycleRun) savepointUpgrade() {
	before := l.onlyJob()
	change := func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint
		setConf(s, "pipeline.name", "stateful-v2")
		setConf(s, "state.backend.type", "rocksdb")
		setConf(s, "execution.checkpointing.incremental", "true")
	}
	if p := l.predict(change); p.Action != "savepoint upgrade" || !p.Savepoint { // rollout_prediction_test.go
		l.t.Errorf("weir diff predicted %+v, want a savepoint upgrade taking a savepoint", p)
	}
	l.update(change)
	d := l.waitStable("savepoint upgrade")
	l.checkRolloutTimed(v1beta1.UpgradeModeSavepoint)
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
	var cfg *flinkrest.CheckpointConfig
	l.eventually("the checkpoint configuration of job "+job.ID, func() error {
		fl, err := l.flink()
		if err != nil {
			return err
		}
		cfg, err = fl.GetCheckpointConfig(l.ctx, job.ID)
		return err
	})
	if !strings.Contains(cfg.StateBackend, "RocksDB") {
		l.t.Errorf("after the upgrade to rocksdb the job runs on %q", cfg.StateBackend)
	}
	// Incremental RocksDB checkpoints keep their SST files in the checkpoint directory's
	// shared/ folder, under entropy prefixes like every data file.
	l.eventually("incremental checkpoint files (shared/) in the bucket", func() error {
		keys, err := l.job.stateKeys(l.ctx)
		if err != nil {
			return err
		}
		if n := sharedFiles(keys, l.job.prefix()); n == 0 {
			return fmt.Errorf("no shared/ file among %d objects", len(keys))
		}
		return nil
	})
	l.t.Logf("restored from %s into %s, checkpoint storage %s", r.ExternalPath, cfg.StateBackend, cfg.CheckpointStorage)
}

// lastStateUpgrade changes the parallelism (2 -> 1): the job keeps its id and restores the
// latest checkpoint from HA data, but must run the new spec, not the job graph Flink's HA
// data held for the old one.
func (l *lifecycleRun) lastStateUpgrade() {
	l.waitCheckpoint()
	before := l.onlyJob()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.UpgradeMode = v1beta1.UpgradeModeLastState
		s.Job.Parallelism = 1
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
	var details *flinkrest.JobDetails
	l.eventually("the vertices of job "+job.ID, func() error {
		fl, err := l.flink()
		if err != nil {
			return err
		}
		if details, err = fl.Job(l.ctx, job.ID); err == nil && len(details.Vertices) == 0 {
			err = fmt.Errorf("job %s has no vertices yet", job.ID)
		}
		return err
	})
	// The source keeps its fixed 2 (--source-parallelism); every other vertex follows the
	// new spec, which only a job graph built from the new spec does.
	for _, v := range details.Vertices {
		want := 1
		if strings.Contains(v.Name, "events") {
			want = 2
		}
		if v.Parallelism != want {
			l.t.Errorf("vertex %q runs at parallelism %d after a last-state upgrade to 1, want %d (the old job graph was recovered)", v.Name, v.Parallelism, want)
		}
	}
	l.assertRestoredState(job.ID, r)
}

func (l *lifecycleRun) suspendResume() {
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint })
	l.waitStable("mode change")
	l.waitCheckpoint()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
	d, err := l.r.Wait(l.ctx, l.c, l.key, app.TargetSuspended, readyTimeout)
	if err != nil {
		l.t.Fatal(err)
	}
	l.argoHealth(d, argocd.Suspended)
	// SUSPENDED is reported together with the suspend savepoint (as FKO does); the pods follow.
	if d.Status.JobStatus.UpgradeSavepointPath == "" {
		l.t.Error("SUSPENDED without the suspend savepoint's path (jobStatus.upgradeSavepointPath)")
	}
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
		l.killedJobManagers = append(l.killedJobManagers, pods.Items[i].Name)
	}
	l.eventually("the job recovered on a new JobManager", func() error {
		fl, err := l.flink()
		if err != nil {
			return err
		}
		jobs, err := fl.ListJobs(l.ctx)
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
		// Kill at the step, or after three minutes whatever the step: either way the
		// upgrade must survive it.
		_ = testenv.Poll{Limit: 3 * time.Minute}.Wait(func() error {
			if !wait(l.get()) {
				return errors.New("step not reached")
			}
			return nil
		})
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
	// The rule engine (vmalert with deploy/observability's alert rules) must fire the alert
	// for a failed upgrade (observability_test.go).
	upgradeFailed := map[string]string{"namespace": l.key.Namespace, "lifecycle_state": "ROLLED_BACK"}
	watch := l.watchAlerts(map[string]map[string]string{
		"WeirUpgradeFailed":      upgradeFailed,
		"WeirFlinkJobNotRunning": {"namespace": l.key.Namespace, "app": l.key.Name},
	})
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.EntryClass = "org.example.DoesNotExist" })
	l.eventually("the rollback", func() error {
		if d := l.get(); d.Status.LifecycleState != v1beta1.LifecycleRolledBack || d.Status.JobStatus.State != "RUNNING" {
			return fmt.Errorf("lifecycle %s job %s error %q", d.Status.LifecycleState, d.Status.JobStatus.State, d.Status.Error)
		}
		return nil
	})
	// The operator's series say the upgrade failed: the app is ROLLED_BACK until its spec
	// changes, and the rule has no `for:`.
	l.eventually("the rule engine fires WeirUpgradeFailed for the rolled-back app", func() error {
		return l.alertFiring("WeirUpgradeFailed", upgradeFailed)
	})
	seen := watch.finish()
	if s, ok := seen["WeirUpgradeFailed"]; !ok {
		l.t.Errorf("the watch of the rule engine's alerts (%d polls) never saw WeirUpgradeFailed with %v", watch.polls, upgradeFailed)
	} else {
		l.t.Logf("WeirUpgradeFailed: %s", s)
	}
	// Flink's own series can say it too, if a scrape catches the broken JobManager between
	// its start and its job's failure; its rule waits 5 minutes (`for:`), so it can only be
	// pending here: logged, not required.
	if s, ok := seen["WeirFlinkJobNotRunning"]; ok {
		l.t.Logf("WeirFlinkJobNotRunning: %s", s)
	} else {
		l.t.Logf("WeirFlinkJobNotRunning never active: no scrape caught the broken JobManager with no job running")
	}
	l.argoHealth(l.get(), argocd.Degraded) // the new spec failed: ArgoCD must not call it Healthy
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
	// The user fixes the spec back to what runs: nothing to roll out, the job keeps running.
	l.update(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.EntryClass = l.job.deployment().Spec.Job.EntryClass })
	l.eventually("the fixed spec observed", func() error {
		if d := l.get(); d.Status.ObservedGeneration != d.Generation {
			return fmt.Errorf("observed generation %d of %d", d.Status.ObservedGeneration, d.Generation)
		}
		return nil
	})
	if after := l.onlyJob(); after.ID != job.ID {
		l.t.Errorf("fixing the spec back to the running one restarted the job (%s -> %s)", job.ID, after.ID)
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
		fl, err := l.flink()
		if err != nil {
			return err
		}
		cp, err := fl.Checkpoints(l.ctx, jobID)
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

// auditProgress waits until the job has committed more part files than at the last audit
// and audits the output: whatever the step did, what is committed is still an exact prefix
// of the run. (Listing files is cheap; the audit replays the whole input, so it runs once.)
func (l *lifecycleRun) auditProgress() {
	l.t.Helper()
	l.eventually("part files committed since the last audit", func() error {
		n, err := l.job.committedFiles(l.ctx)
		if err != nil {
			return err
		}
		if n <= l.committed {
			return fmt.Errorf("%d committed part files, %d at the last audit", n, l.committed)
		}
		l.committed = n
		return nil
	})
	rep, text, err := l.job.audit(l.ctx, false)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Logf("audit after the step (%d part files in s3://%s/%s/):\n%s", l.committed, outputBucket, l.job.prefix(), text)
	if !rep.OK() {
		l.t.Fatal("audit of the running job failed")
	}
	l.observeBucket()
}

func (l *lifecycleRun) taskManagerKilled() {
	lastCP := l.waitCheckpoint()
	before := l.onlyJob()
	pods := &corev1.PodList{}
	if err := l.c.Ctrl.List(l.ctx, pods, client.InNamespace(l.key.Namespace),
		client.MatchingLabels{"app": l.key.Name, "component": "taskmanager"}); err != nil || len(pods.Items) == 0 {
		l.t.Fatalf("TaskManager pods: %v (%d pods)", err, len(pods.Items))
	}
	for i := range pods.Items {
		if err := l.c.Ctrl.Delete(l.ctx, &pods.Items[i], client.GracePeriodSeconds(0)); err != nil {
			l.t.Fatal(err)
		}
		l.killedTaskManagers = append(l.killedTaskManagers, pods.Items[i].Name)
	}
	killedAt := time.Now().Truncate(time.Second) // Event times have whole seconds
	l.t.Logf("deleted %d TaskManager pod(s) after checkpoint %d", len(pods.Items), lastCP)
	// Flink fails the tasks over: same job, restored from the latest checkpoint onto a new
	// TaskManager that its resource manager asks Kubernetes for.
	var r *flinkrest.RestoredCheckpoint
	l.eventually("the job restored from a checkpoint after the TaskManager loss", func() error {
		fl, err := l.flink()
		if err != nil {
			return err
		}
		cp, err := fl.Checkpoints(l.ctx, before.ID)
		if err != nil {
			return err
		}
		if cp.Latest.Restored == nil || cp.Latest.Restored.ID < lastCP || cp.Latest.Restored.IsSavepoint {
			return fmt.Errorf("restored %+v, want a checkpoint at or after %d", cp.Latest.Restored, lastCP)
		}
		r = cp.Latest.Restored
		return nil
	})
	if job := l.onlyJob(); job.ID != before.ID {
		l.t.Errorf("a TaskManager loss keeps the job: was %s, now %s", before.ID, job.ID)
	}
	l.assertRestoredState(before.ID, r)
	// The failover is a failure in the job's exception history, announced as FKO does.
	l.eventually("a JobException Event about the TaskManager loss", func() error {
		evs := &corev1.EventList{}
		if err := l.c.Ctrl.List(l.ctx, evs, client.InNamespace(l.key.Namespace)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == l.key.Name && e.Reason == "JobException" && !e.LastTimestamp.Time.Before(killedAt) {
				l.t.Logf("JobException Event: %s", e.Message)
				return nil
			}
		}
		return fmt.Errorf("none among %d Events", len(evs.Items))
	})
}

// stateSnapshot takes a savepoint through a FlinkStateSnapshot, checks its files on the
// volume, and deletes it: with disposeOnDelete the savepoint goes too.
func (l *lifecycleRun) stateSnapshot() {
	l.waitCheckpoint()
	snap := &v1beta1.FlinkStateSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: l.key.Name + "-manual", Namespace: l.key.Namespace},
		Spec: v1beta1.FlinkStateSnapshotSpec{
			JobReference: &v1beta1.JobReference{Kind: v1beta1.JobKindFlinkDeployment, Name: l.key.Name},
			Savepoint:    &v1beta1.SavepointSpec{DisposeOnDelete: ptr.To(true)},
		},
	}
	if err := l.c.Ctrl.Create(l.ctx, snap); err != nil {
		l.t.Fatal(err)
	}
	skey := client.ObjectKeyFromObject(snap)
	l.eventually("the FlinkStateSnapshot to complete", func() error {
		if err := l.c.Ctrl.Get(l.ctx, skey, snap); err != nil {
			return err
		}
		if snap.Status.State == v1beta1.SnapshotFailed {
			l.t.Fatalf("snapshot failed: %s", snap.Status.Error)
		}
		if snap.Status.State != v1beta1.SnapshotCompleted || snap.Status.Path == "" {
			return fmt.Errorf("snapshot state %q path %q", snap.Status.State, snap.Status.Path)
		}
		return nil
	})
	dir, err := stateKey(snap.Status.Path)
	if err != nil {
		l.t.Fatal(err)
	}
	keys, err := s3local.ListKeys(l.ctx, l.job.s3, stateBucket, dir+"/")
	if err != nil {
		l.t.Fatal(err)
	}
	if !slices.Contains(keys, dir+"/_metadata") {
		l.t.Fatalf("savepoint %s has no _metadata in the bucket: %v", snap.Status.Path, keys)
	}
	if !strings.HasPrefix(dir, l.job.prefix()+"/savepoints/") {
		l.t.Errorf("savepoint %s is not under the savepoint directory %s", snap.Status.Path, l.job.stateURI("savepoints"))
	}
	l.t.Logf("FlinkStateSnapshot completed: %s (%d objects)", snap.Status.Path, len(keys))
	l.observeBucket()
	l.onlyJob() // a savepoint does not stop the job
	if err := l.c.Ctrl.Delete(l.ctx, snap); err != nil {
		l.t.Fatal(err)
	}
	l.eventually("the savepoint disposed after the snapshot was deleted", func() error {
		keys, err := s3local.ListKeys(l.ctx, l.job.s3, stateBucket, dir+"/")
		if err != nil {
			return err
		}
		if len(keys) != 0 {
			return fmt.Errorf("%d objects left under s3://%s/%s/", len(keys), stateBucket, dir)
		}
		return nil
	})
	l.disposed[dir] = true
}

// runToEnd lifts the rate cap through one more savepoint upgrade, waits for the end of
// input and audits the whole run.
func (l *lifecycleRun) runToEnd() {
	before := l.onlyJob()
	l.update(func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.Args = l.job.args(0)
		s.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint // already so after the full sequence; a subset may end in last-state
	})
	l.eventually("the new job to finish", func() error {
		// The old job also ends FINISHED when it stops with its savepoint; wait for the new one.
		d := l.get()
		if d.Status.JobStatus.State != "FINISHED" || d.Status.JobStatus.JobID == before.ID ||
			d.Status.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
			return fmt.Errorf("lifecycle %s job %s (%s)", d.Status.LifecycleState, d.Status.JobStatus.State, d.Status.JobStatus.JobID)
		}
		l.t.Logf("job finished: lifecycle %s", d.Status.LifecycleState)
		return nil
	})
	rep, text, err := l.job.audit(l.ctx, true)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Logf("audit of the whole run:\n%s", text)
	if !rep.OK() {
		l.t.Fatal("audit of the whole run failed")
	}
	if rep.HistoryChecked != rep.Users {
		l.t.Errorf("audience history compared for %d of %d users", rep.HistoryChecked, rep.Users)
	}
	n, err := l.job.committedFiles(l.ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Logf("the whole run committed %d part files to s3://%s/%s/", n, outputBucket, l.job.prefix())
	l.observeBucket()
}

// selected says whether a step's name contains one of the comma-separated parts of only.
func selected(name, only string) bool {
	for _, part := range strings.Split(only, ",") {
		if part = strings.TrimSpace(part); part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}
