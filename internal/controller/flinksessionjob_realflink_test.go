package controller_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/testenv"
)

// TestSessionJobOnRealFlink runs the session job controller against a real local Flink
// session cluster (WEIR_FLINK_IT=1): the jar is fetched over http, uploaded and run with
// the fixed job id, upgraded through a real stop-with-savepoint that the new job restores
// from (Flink's own restore statistics), then upgraded again in last-state mode right away
// (parallelism 1 -> 2: the new job runs at 2 and restored the newest state), checkpointed
// on request (checkpointTriggerNonce, through Flink REST), and cancelled
// on delete.
func TestSessionJobOnRealFlink(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run against a real local Flink cluster")
	}
	start := time.Now()
	step := func(format string, args ...any) {
		t.Logf("[%6.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	dirs := t.TempDir()
	conf := map[string]string{
		"state.checkpoints.dir":         "file://" + filepath.Join(dirs, "checkpoints"),
		"state.savepoints.dir":          "file://" + filepath.Join(dirs, "savepoints"),
		"taskmanager.numberOfTaskSlots": "4",
		// last-state restores a cancelled job's latest checkpoint, which must outlive the cancel
		"execution.checkpointing.interval":                          "2 s",
		"execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
		"pekko.startup-timeout":                                     "60 s",
	}
	cluster := flinktest.New(t, flinktest.Options{Version: "1.20", Config: conf})
	api, err := rest.New(cluster.RESTURL)
	if err != nil {
		t.Fatal(err)
	}
	step("Flink %s up at %s", cluster.Version, cluster.RESTURL)

	ns := newNamespace(t)
	session := readManifest(t, "basic-session-deployment-and-job.yaml")[0].(*v1beta1.FlinkDeployment)
	session.Namespace = ns
	session.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
		"state.checkpoints.dir": conf["state.checkpoints.dir"], "state.savepoints.dir": conf["state.savepoints.dir"],
		// Validation asks for HA with last-state; a session job's state travels in its
		// retained checkpoint, which the local (non-HA) cluster keeps.
		"high-availability.type": "kubernetes", "high-availability.storageDir": "file://" + filepath.Join(dirs, "ha"),
	})
	if err := k8s.Create(context.Background(), session); err != nil {
		t.Fatal(err)
	}
	flink.routeToRealFlink(restURLOf(t, ns, session.Name), cluster.RESTURL)
	waitForObject(t, ns, session.Name, &appsv1.Deployment{})
	markReady(t, ns, session.Name)

	jarURL := serveFile(t, filepath.Join(cluster.Home, "examples", "streaming", "StateMachineExample.jar"))
	j := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Name: "job", Namespace: ns},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: session.Name, Job: &v1beta1.JobSpec{
			JarURI: jarURL, Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint,
		}},
	}
	if err := k8s.Create(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	id1 := waitLong(t, ns, "", api).Status.JobStatus.JobID
	step("job %s RUNNING in Flink", id1)
	if jars, err := api.ListJars(context.Background()); err != nil || len(jars) != 0 {
		t.Errorf("uploaded jars left behind: %+v (%v)", jars, err)
	}

	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.Parallelism = 1 })
	up := waitLong(t, ns, id1, api)
	id2, sp := up.Status.JobStatus.JobID, up.Status.JobStatus.UpgradeSavepointPath
	step("upgraded to job %s from savepoint %s", id2, sp)
	waitFlinkJob(t, api, id1, rest.JobFinished)
	if r := waitRestored(t, api, id2); r.ExternalPath != sp || !r.IsSavepoint {
		t.Errorf("new job restored from %+v, want savepoint %s", r, sp)
	}
	step("new job restored from the upgrade savepoint")

	// At once (the job may not have completed a checkpoint yet): a last-state upgrade to
	// parallelism 2. Its restore point is known before the job is cancelled: the latest
	// checkpoint, else the savepoint the job restored.
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.Parallelism, j.UpgradeMode = 2, v1beta1.UpgradeModeLastState })
	ls := waitLong(t, ns, id2, api)
	id3 := ls.Status.JobStatus.JobID
	waitFlinkJob(t, api, id2, rest.JobCanceled)
	if ls.Status.Error != "" {
		t.Errorf("status.error %q", ls.Status.Error)
	}
	r := waitRestored(t, api, id3)
	step("last-state upgrade: job %s restored %s (savepoint %v)", id3, r.ExternalPath, r.IsSavepoint)
	if r.ExternalPath != ls.Status.JobStatus.UpgradeSavepointPath {
		t.Errorf("job restored %s, status records %s", r.ExternalPath, ls.Status.JobStatus.UpgradeSavepointPath)
	}
	job, err := api.Job(context.Background(), id3)
	if err != nil || len(job.Vertices) == 0 {
		t.Fatalf("job %s: %+v (%v)", id3, job, err)
	}
	for _, v := range job.Vertices {
		if v.Parallelism != 2 {
			t.Errorf("vertex %q runs at parallelism %d, want 2", v.Name, v.Parallelism)
		}
	}

	manualCheckpoint(t, ns, api, id3)
	step("checkpointTriggerNonce: a manual checkpoint of job %s", id3)

	deleteAndWaitGone(t, getSessionJob(t, ns, "job"))
	waitFlinkJob(t, api, id3, rest.JobCanceled)
	step("job cancelled on delete")
}

// manualCheckpoint sets checkpointTriggerNonce on the running session job and checks that
// the operator recorded one MANUAL checkpoint, the one Flink completed (by its id), without
// touching the job.
func manualCheckpoint(t *testing.T, ns string, api rest.API, id string) {
	t.Helper()
	n := int64(1)
	updateSessionJob(t, ns, func(j *v1beta1.JobSpec) { j.CheckpointTriggerNonce = &n })
	testenv.Eventually(t, "the manual checkpoint recorded", testenv.Poll{Limit: 2 * time.Minute, Interval: 500 * time.Millisecond}, func() error {
		st := getSessionJob(t, ns, "job").Status
		if ci := st.JobStatus.CheckpointInfo; ci == nil || ci.TriggerID != "" || ci.LastCheckpoint == nil || ci.LastCheckpoint.TriggerType != v1beta1.SnapshotTriggerManual {
			return fmt.Errorf("checkpointInfo %+v, error %q", ci, st.Error)
		}
		return nil
	})
	var cid int64
	waitFor(t, "the CheckpointCompleted Event", func() error {
		m := regexp.MustCompile(`CheckpointCompleted: MANUAL checkpoint (\d+) completed`).FindStringSubmatch(eventsFor(t, ns, "job"))
		if m == nil {
			return fmt.Errorf("no CheckpointCompleted Event among:\n%s", eventsFor(t, ns, "job"))
		}
		cid, _ = strconv.ParseInt(m[1], 10, 64)
		return nil
	})
	cp, err := api.CheckpointDetails(context.Background(), id, cid)
	if err != nil || cp.Status != rest.CheckpointCompleted || cp.IsSavepoint {
		t.Errorf("Flink's checkpoint %d of job %s: %+v (%v)", cid, id, cp, err)
	}
	j := getSessionJob(t, ns, "job")
	last, _, _, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec)
	if err != nil || last.Job == nil || last.Job.CheckpointTriggerNonce == nil || *last.Job.CheckpointTriggerNonce != n || j.Status.JobStatus.JobID != id {
		t.Errorf("after the checkpoint: job %s, recorded spec %+v (%v)", j.Status.JobStatus.JobID, last.Job, err)
	}
}

// waitLong waits (up to 3 minutes: real JVMs on a loaded machine) for the session job to
// be deployed and RUNNING under an id other than notID, and checks Flink agrees.
func waitLong(t *testing.T, ns, notID string, api rest.API) *v1beta1.FlinkSessionJob {
	t.Helper()
	var j *v1beta1.FlinkSessionJob
	testenv.Eventually(t, "the session job deployed and RUNNING", testenv.Poll{Limit: 3 * time.Minute, Interval: 500 * time.Millisecond}, func() error {
		j = getSessionJob(t, ns, "job")
		st := j.Status
		if st.JobStatus.State != "RUNNING" || st.JobStatus.JobID == notID || st.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
			return fmt.Errorf("lifecycle %s, reconciliation %s, job %s %s, error %q", st.LifecycleState,
				st.ReconciliationStatus.State, st.JobStatus.JobID, st.JobStatus.State, st.Error)
		}
		return nil
	})
	if job, err := api.Job(context.Background(), j.Status.JobStatus.JobID); err != nil || job.State != rest.JobRunning {
		t.Fatalf("status says RUNNING, Flink says %+v (%v)", job, err)
	}
	return j
}

// serveFile serves one file over http on a non-loopback address (the jar fetcher refuses
// loopback).
func serveFile(t *testing.T, path string) string {
	t.Helper()
	var ip string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			ip = n.IP.String()
			break
		}
	}
	if ip == "" {
		t.Skip("no non-loopback IPv4 address to serve the job jar on")
	}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skip(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) }))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(path)
}

// waitRestored waits (up to 3 minutes) for the job's checkpoint statistics to show what
// its run restored.
func waitRestored(t *testing.T, api rest.API, id string) *rest.RestoredCheckpoint {
	t.Helper()
	var r *rest.RestoredCheckpoint
	testenv.Eventually(t, "a restore in job "+id+"'s checkpoint statistics", testenv.Poll{Limit: 3 * time.Minute, Interval: time.Second}, func() error {
		cp, err := api.Checkpoints(context.Background(), id)
		if err != nil {
			return err
		}
		if r = cp.Latest.Restored; r == nil {
			return errors.New("none yet")
		}
		return nil
	})
	return r
}

// waitFlinkJob waits until Flink reports the job in state; its REST handlers cache a
// job's details for a few seconds.
func waitFlinkJob(t *testing.T, api rest.API, id string, want rest.JobStatus) {
	t.Helper()
	testenv.Eventually(t, fmt.Sprintf("Flink job %s %s", id, want), testenv.Poll{Interval: 500 * time.Millisecond}, func() error {
		job, err := api.Job(context.Background(), id)
		if err != nil {
			return err
		}
		if job.State != want {
			return fmt.Errorf("job is %s", job.State)
		}
		return nil
	})
}
