package controller_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/status"
)

// startSession creates the example session cluster in ns and brings it to READY. It
// returns the cluster's name and the REST URL its fake JobManager answers on.
func startSession(t *testing.T, ns string) (string, string) {
	t.Helper()
	session := readManifest(t, "basic-session-deployment-and-job.yaml")[0]
	session.SetNamespace(ns)
	if err := k8s.Create(context.Background(), session); err != nil {
		t.Fatal(err)
	}
	name := session.GetName()
	url := restURLOf(t, ns, name)
	waitForObject(t, ns, name, &appsv1.Deployment{})
	markReady(t, ns, name)
	waitFor(t, "session cluster READY", func() error {
		if jm := getDeployment(t, ns, name).Status.JobManagerDeploymentStatus; jm != v1beta1.JMReady {
			return fmt.Errorf("JobManager %s", jm)
		}
		return nil
	})
	return name, url
}

// serveJar serves a jar over http on a non-loopback address of this machine, which the
// suite's artifact policy allows: the operator's jar fetcher refuses loopback hosts.
func serveJar(t *testing.T) string {
	t.Helper()
	return serveJarWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("PK\x03\x04 a jar for the fake JobManager"))
	})) + "/jobs/top-speed-1.0.jar"
}

// serveJarWith serves h on this machine's non-loopback address and returns its base URL.
func serveJarWith(t *testing.T, h http.Handler) string {
	t.Helper()
	ip := hostIPv4()
	if ip == "" {
		t.Skip("no non-loopback IPv4 address to serve the job jar on")
	}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skip(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func newSessionJob(t *testing.T, ns, session, jar string, mode v1beta1.UpgradeMode) *v1beta1.FlinkSessionJob {
	t.Helper()
	return newSessionJobWith(t, ns, session, jar, mode, nil)
}

// newSessionJobWith is newSessionJob with extra flinkConfiguration keys.
func newSessionJobWith(t *testing.T, ns, session, jar string, mode v1beta1.UpgradeMode, extra map[string]string) *v1beta1.FlinkSessionJob {
	t.Helper()
	j := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Name: "job", Namespace: ns},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: session, Job: &v1beta1.JobSpec{
			JarURI: jar, Parallelism: 2, UpgradeMode: mode, EntryClass: "org.example.TopSpeed",
		}},
	}
	if mode != v1beta1.UpgradeModeStateless {
		conf := map[string]string{"state.checkpoints.dir": "file:///flink-data/checkpoints", "state.savepoints.dir": "file:///flink-data/savepoints"}
		if mode == v1beta1.UpgradeModeLastState {
			conf["high-availability.type"], conf["high-availability.storageDir"] = "kubernetes", "file:///flink-data/ha"
		}
		for k, v := range extra {
			conf[k] = v
		}
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	} else if len(extra) > 0 {
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(extra)
	}
	if err := k8s.Create(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func getSessionJob(t *testing.T, ns, name string) *v1beta1.FlinkSessionJob { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	j := &v1beta1.FlinkSessionJob{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, j); err != nil {
		t.Fatal(err)
	}
	return j
}

// waitForSessionJob waits until the job is RUNNING under an id other than notID, deployed,
// in lifecycle want.
func waitForSessionJob(t *testing.T, ns string, want v1beta1.ResourceLifecycleState, notID string) *v1beta1.FlinkSessionJob { //nolint:unparam // a general helper of the integration tests
	t.Helper()
	var j *v1beta1.FlinkSessionJob
	waitFor(t, "session job "+string(want), func() error {
		j = getSessionJob(t, ns, "job")
		st := j.Status
		running := st.JobStatus.State == "RUNNING" || want == v1beta1.LifecycleSuspended
		if st.LifecycleState != want || !running || st.JobStatus.JobID == notID || st.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
			return fmt.Errorf("lifecycle %s, reconciliation %s, job %s %s, error %q", st.LifecycleState,
				st.ReconciliationStatus.State, st.JobStatus.JobID, st.JobStatus.State, st.Error)
		}
		return nil
	})
	return j
}

func updateSessionJob(t *testing.T, ns string, mutate func(*v1beta1.JobSpec)) {
	t.Helper()
	waitFor(t, "session job spec update", func() error {
		j := getSessionJob(t, ns, "job")
		mutate(j.Spec.Job)
		return k8s.Update(context.Background(), j)
	})
}

func TestSessionJobIsSubmittedOnceWithItsFixedJobID(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	flink.loseNextRunAnswer(url) // the first run starts the job, but its answer is lost
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeStateless)
	defer func() {
		if t.Failed() {
			t.Logf("calls: %v", flink.callsTo(url))
		}
	}()

	j := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")
	id := j.Status.JobStatus.JobID
	runs := flink.callsLike(url, "RUN ")
	if len(runs) != 2 || runs[0] != runs[1] || runs[0] != "RUN "+id+" " {
		t.Fatalf("want the same fixed id %s submitted twice (answer lost, then retried), got %v", id, runs)
	}
	if n := flink.started(url); n != 1 {
		t.Fatalf("%d jobs started, want exactly 1", n)
	}
	if up, del := flink.callsLike(url, "POST /jars/upload"), flink.callsLike(url, "DELETE /jars/"); len(up) != 2 || len(del) != 2 {
		t.Errorf("uploads %v, jar deletions %v: every uploaded jar is deleted after its run", up, del)
	}

	// An operator killed after the run but before recording it finds UPGRADING on restart:
	// it must recognise the running job as its own, not stop it and submit again.
	waitFor(t, "simulated crash record", func() error {
		j := getSessionJob(t, ns, "job")
		j.Status.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
		return k8s.Status().Update(context.Background(), j)
	})
	waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")
	if runs := flink.callsLike(url, "RUN "); len(runs) != 2 {
		t.Errorf("job resubmitted after the restart: %v", runs)
	}
	if c := flink.callsLike(url, "PATCH "); len(c) != 0 {
		t.Errorf("the running job was cancelled after the restart: %v", c)
	}
	waitForEvents(t, ns, "job", "Submit: Starting job")
}

func TestSessionJobSavepointUpgradeSuspendResumeDelete(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint)
	id1 := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID

	// Upgrade: stop with a savepoint, then the new job restores from it.
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.Parallelism = 3 })
	j := waitForSessionJob(t, ns, v1beta1.LifecycleStable, id1)
	id2, sp := j.Status.JobStatus.JobID, j.Status.JobStatus.UpgradeSavepointPath
	if !strings.HasPrefix(sp, "file:///flink-data/savepoints/savepoint-") {
		t.Fatalf("upgradeSavepointPath %q", sp)
	}
	if stops := flink.callsLike(url, "POST /jobs/"+id1+"/stop"); len(stops) != 1 {
		t.Errorf("stop-with-savepoint calls for the old job: %v", stops)
	}
	if runs := flink.callsLike(url, "RUN "+id2); len(runs) != 1 || runs[0] != "RUN "+id2+" "+sp {
		t.Errorf("new job runs %v, want one restoring from %s", runs, sp)
	}
	last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec)
	if last.Job.Parallelism != 3 || last.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
		t.Errorf("lastReconciledSpec job %+v", last.Job)
	}
	checkSessionRollout(t, ns) // rollout_timing_test.go

	// Suspend: stop with a savepoint and keep it.
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateSuspended })
	var suspendSP string
	waitFor(t, "suspend savepoint", func() error {
		j := getSessionJob(t, ns, "job")
		suspendSP = j.Status.JobStatus.UpgradeSavepointPath
		if j.Status.LifecycleState != v1beta1.LifecycleSuspended || suspendSP == sp || suspendSP == "" || j.Status.JobStatus.State != "FINISHED" {
			return fmt.Errorf("lifecycle %s job %s savepoint %q", j.Status.LifecycleState, j.Status.JobStatus.State, suspendSP)
		}
		return nil
	})
	if stops := flink.callsLike(url, "POST /jobs/"+id2+"/stop"); len(stops) != 1 {
		t.Errorf("stop-with-savepoint calls for the suspended job: %v", stops)
	}
	// Suspended, the job is left alone: a status written on each look would wake it at once
	// (and an e2e run's resume, a plain spec update, took 4 minutes after a suspend).
	writes := countWrites(t, ns, "", &v1beta1.FlinkSessionJobList{})
	time.Sleep(3 * time.Second)
	if n, what := writes.total(); n > 1 {
		t.Errorf("%d writes to the suspended session job in 3 s:\n%s", n, what)
	}

	// Resume from the suspend savepoint.
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateRunning })
	id3 := waitForSessionJob(t, ns, v1beta1.LifecycleStable, id2).Status.JobStatus.JobID
	if runs := flink.callsLike(url, "RUN "+id3); len(runs) != 1 || runs[0] != "RUN "+id3+" "+suspendSP {
		t.Errorf("resumed job runs %v, want one restoring from %s", runs, suspendSP)
	}
	if r := status.Rollouts(&getSessionJob(t, ns, "job").Status.CommonStatus); len(r) != 1 {
		t.Errorf("a suspend and a resume are no rollouts: %+v", r)
	}
	if n := flink.started(url); n != 3 {
		t.Errorf("%d jobs started, want 3 (submit, upgrade, resume)", n)
	}

	// Delete: the job is cancelled (no savepoint-on-deletion), then the finalizer goes.
	if err := k8s.Delete(context.Background(), getSessionJob(t, ns, "job")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "session job gone", func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "job"}, &v1beta1.FlinkSessionJob{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err) //nolint:errorlint // err is nil when the object still exists
	})
	if c := flink.callsLike(url, "PATCH /jobs/"+id3); len(c) != 1 {
		t.Errorf("cancel calls on delete: %v", c)
	}
	waitForEvents(t, ns, "job", "Submit:", "SpecChanged:", "Suspended:", "Cleanup:")
}

func TestSessionJobLastStateUpgradeNeedsAndUsesTheLatestCheckpoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeLastState)
	id1 := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID

	// No state of the job is known (no checkpoint yet, nothing restored): the upgrade is
	// refused before the job is stopped, and it keeps running.
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.Parallelism = 3 })
	waitFor(t, "upgrade blocked without a checkpoint", func() error {
		j := getSessionJob(t, ns, "job")
		if !strings.Contains(j.Status.Error, "not stopping it") {
			return fmt.Errorf("lifecycle %s job %s error %q", j.Status.LifecycleState, j.Status.JobStatus.State, j.Status.Error)
		}
		return nil
	})
	if c := flink.callsLike(url, "PATCH /jobs/"+id1); len(c) != 0 {
		t.Errorf("the job was cancelled although no state of it is known: %v", c)
	}
	if j := getSessionJob(t, ns, "job"); j.Status.JobStatus.State != "RUNNING" || j.Status.JobStatus.JobID != id1 {
		t.Errorf("job %s %s, want %s still RUNNING", j.Status.JobStatus.JobID, j.Status.JobStatus.State, id1)
	}

	// Once Flink reports a checkpoint, the upgrade cancels the job and restores from it.
	const chk = "file:///flink-data/checkpoints/job/chk-42"
	flink.setCheckpoint(url, chk)
	j := waitForSessionJob(t, ns, v1beta1.LifecycleStable, id1)
	id2 := j.Status.JobStatus.JobID
	if c := flink.callsLike(url, "PATCH /jobs/"+id1); len(c) != 1 {
		t.Errorf("last-state stop: want one cancel, got %v", c)
	}
	if runs := flink.callsLike(url, "RUN "+id2); len(runs) != 1 || runs[0] != "RUN "+id2+" "+chk {
		t.Errorf("upgraded job runs %v, want one restoring from %s", runs, chk)
	}
	if j.Status.JobStatus.UpgradeSavepointPath != chk || j.Status.Error != "" {
		t.Errorf("upgradeSavepointPath %q error %q", j.Status.JobStatus.UpgradeSavepointPath, j.Status.Error)
	}
}

// A last-state upgrade right after a savepoint upgrade, before the job completed a
// checkpoint, restores the savepoint the job was restored from: its newest known state.
func TestSessionJobLastStateUpgradeAfterASavepointRestore(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint)
	id1 := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.Parallelism = 1 })
	up := waitForSessionJob(t, ns, v1beta1.LifecycleStable, id1)
	id2, sp := up.Status.JobStatus.JobID, up.Status.JobStatus.UpgradeSavepointPath
	if sp == "" {
		t.Fatal("no upgrade savepoint recorded")
	}

	waitFor(t, "last-state upgrade to parallelism 2", func() error {
		j := getSessionJob(t, ns, "job")
		j.Spec.Job.Parallelism, j.Spec.Job.UpgradeMode = 2, v1beta1.UpgradeModeLastState
		conf, _ := j.Spec.FlinkConfiguration.Flatten()
		conf["high-availability.type"], conf["high-availability.storageDir"] = "kubernetes", "file:///flink-data/ha"
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
		return k8s.Update(context.Background(), j)
	})
	j := waitForSessionJob(t, ns, v1beta1.LifecycleStable, id2)
	id3 := j.Status.JobStatus.JobID
	if c := flink.callsLike(url, "PATCH /jobs/"+id2); len(c) != 1 {
		t.Errorf("last-state stop: want one cancel, got %v", c)
	}
	if runs := flink.callsLike(url, "RUN "+id3); len(runs) != 1 || runs[0] != "RUN "+id3+" "+sp {
		t.Errorf("upgraded job runs %v, want one restoring from %s", runs, sp)
	}
	if j.Status.Error != "" || j.Status.JobStatus.UpgradeSavepointPath != sp {
		t.Errorf("error %q upgradeSavepointPath %q", j.Status.Error, j.Status.JobStatus.UpgradeSavepointPath)
	}
}

// A session job's savepoint suspend is reported SUSPENDED only together with its path.
func TestSessionJobSuspendIsReportedOnlyWithItsSavepoint(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, _ := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint)
	waitForSessionJob(t, ns, v1beta1.LifecycleStable, "")
	sw := watchStatuses[*v1beta1.FlinkSessionJob](t, ns, &v1beta1.FlinkSessionJobList{})
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateSuspended })
	waitFor(t, "SUSPENDED", func() error {
		if st := getSessionJob(t, ns, "job").Status; st.LifecycleState != v1beta1.LifecycleSuspended {
			return fmt.Errorf("lifecycle %s", st.LifecycleState)
		}
		return nil
	})
	seen := sw.finish()
	if p := getSessionJob(t, ns, "job").Status.JobStatus.UpgradeSavepointPath; p == "" {
		t.Fatal("SUSPENDED without the suspend savepoint's path")
	}
	for _, o := range seen {
		if st := o.Status; st.LifecycleState == v1beta1.LifecycleSuspended && st.JobStatus.UpgradeSavepointPath == "" {
			t.Fatalf("a status reads SUSPENDED with no upgradeSavepointPath (resourceVersion %s, job %s)", o.ResourceVersion, st.JobStatus.State)
		}
	}
}

func TestSessionJobSavepointOnDeletion(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	j := newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeStateless)
	id := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID
	waitFor(t, "savepoint-on-deletion set", func() error {
		j := getSessionJob(t, ns, "job")
		j.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"kubernetes.operator.job.savepoint-on-deletion": "true"})
		return k8s.Update(context.Background(), j)
	})
	waitFor(t, "option recorded", func() error {
		last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](getSessionJob(t, ns, "job").Status.ReconciliationStatus.LastReconciledSpec)
		if last.FlinkConfiguration.IsEmpty() {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	deleteAndWaitGone(t, j)
	if c := flink.callsLike(url, "POST /jobs/"+id+"/stop"); len(c) != 1 {
		t.Errorf("stop-with-savepoint on delete: %v", flink.callsTo(url))
	}
	if c := flink.callsLike(url, "PATCH "); len(c) != 0 {
		t.Errorf("cancelled instead of stopped with a savepoint: %v", c)
	}
	waitForEvents(t, ns, "job", "final savepoint file:///flink-data/savepoints/savepoint-")
}

func TestSessionJobSavepointTriggerNonce(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	session, url := startSession(t, ns)
	newSessionJob(t, ns, session, serveJar(t), v1beta1.UpgradeModeSavepoint)
	id := waitForSessionJob(t, ns, v1beta1.LifecycleStable, "").Status.JobStatus.JobID

	nonce := int64(1)
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = &nonce })
	waitFor(t, "manual savepoint recorded", func() error {
		j := getSessionJob(t, ns, "job")
		si := j.Status.JobStatus.SavepointInfo
		last, _, _, _ := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec)
		if si == nil || si.LastSavepoint == nil || si.LastSavepoint.TriggerType != v1beta1.SnapshotTriggerManual ||
			last.Job.SavepointTriggerNonce == nil || *last.Job.SavepointTriggerNonce != 1 {
			return fmt.Errorf("savepointInfo %+v", si)
		}
		return nil
	})
	if c := flink.callsLike(url, "POST /jobs/"+id+"/savepoints"); len(c) == 0 {
		t.Errorf("no savepoint triggered: %v", flink.callsTo(url))
	}
	if j := getSessionJob(t, ns, "job"); j.Status.JobStatus.JobID != id || len(flink.callsLike(url, "RUN ")) != 1 {
		t.Errorf("a manual savepoint restarted the job: %v", flink.callsTo(url))
	}
}
