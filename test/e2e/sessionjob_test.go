package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/localcluster"
)

// startSession creates the suite's session cluster, which the session job and dynamic
// config cases share: checkpoints and savepoints on a directory every pod sees, two slots
// per TaskManager. It waits until the cluster is ready and reads its /overview through the
// rest Service; the caller deletes it.
func startSession(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients) types.NamespacedName {
	session := sessionDeployment("e2e-session")
	withSharedVolume(session, filepath.Join(r.DataDir, "volumes", session.Name))
	setConf(&session.Spec, "state.checkpoints.dir", "file:///flink-data/checkpoints")
	setConf(&session.Spec, "state.savepoints.dir", "file:///flink-data/savepoints")
	setConf(&session.Spec, "execution.checkpointing.interval", "3s")
	setConf(&session.Spec, "taskmanager.numberOfTaskSlots", "2")
	key := types.NamespacedName{Namespace: session.Namespace, Name: session.Name}
	if err := c.Ctrl.Create(ctx, session); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Wait(ctx, c, key, app.TargetReady, readyTimeout); err != nil {
		deleteDeployment(t, ctx, c, key)
		t.Fatal(err)
	}
	checkOverview(t, ctx, c, key)
	return key
}

// runSessionJob runs a FlinkSessionJob on a session cluster the way FKO users do: the
// operator downloads the jar from an http URL (served here from the host's bridge address),
// uploads it to the JobManager and runs it. The job then goes through a savepoint upgrade,
// a suspend and a resume, each restoring from the savepoint the status recorded, and is
// cancelled when the resource is deleted.
func runSessionJob(t *testing.T, ctx context.Context, c *app.Clients, sessKey types.NamespacedName) {
	jarURL := serveExampleJar(t, ctx)
	sj := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-statemachine", Namespace: e2eNamespace},
		Spec: v1beta1.FlinkSessionJobSpec{
			DeploymentName: sessKey.Name,
			Job: &v1beta1.JobSpec{
				JarURI: jarURL, Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint,
				EntryClass: "org.apache.flink.streaming.examples.statemachine.StateMachineExample",
			},
		},
	}
	if err := c.Ctrl.Create(ctx, sj); err != nil {
		t.Fatal(err)
	}
	s := &sessionJobRun{t: t, ctx: ctx, c: c, key: client.ObjectKeyFromObject(sj), session: sessKey, start: time.Now()}
	first := s.waitRunning("first submission", "")
	s.waitCheckpoint(first)

	// A savepoint upgrade: the running job stops with a savepoint, the new one restores it.
	s.update(func(j *v1beta1.JobSpec) { j.Args = []string{"--error-rate", "0.0"} })
	second := s.waitRunning("savepoint upgrade", first)
	s.assertRestoredFromStatusSavepoint(second)
	s.waitCheckpoint(second)

	// Suspend: stop with a savepoint, no job left; resume restores it.
	s.update(func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateSuspended })
	s.eventually("the session job suspended", func() error {
		got := s.get()
		if got.Status.LifecycleState != v1beta1.LifecycleSuspended {
			return fmt.Errorf("lifecycle %s job %s", got.Status.LifecycleState, got.Status.JobStatus.State)
		}
		if n := s.activeJobs(); n != 0 {
			return fmt.Errorf("%d jobs still active on the session cluster", n)
		}
		return nil
	})
	s.update(func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateRunning })
	third := s.waitRunning("resume", second)
	s.assertRestoredFromStatusSavepoint(third)

	// Deleting the resource cancels the job; the session cluster stays.
	if err := c.Ctrl.Delete(ctx, sj); err != nil {
		t.Fatal(err)
	}
	s.eventually("the job cancelled after the session job was deleted", func() error {
		if n := s.activeJobs(); n != 0 {
			return fmt.Errorf("%d jobs still active", n)
		}
		if err := c.Ctrl.Get(ctx, s.key, &v1beta1.FlinkSessionJob{}); err == nil {
			return fmt.Errorf("FlinkSessionJob still exists")
		}
		return nil
	})
	t.Logf("deleted: no job left (%s into the case)", time.Since(s.start).Round(time.Second))
}

// withSharedVolume mounts a hostPath directory at /flink-data in every Flink pod (one node:
// the JobManager and TaskManagers see the same files), owned by Flink's user.
func withSharedVolume(d *v1beta1.FlinkDeployment, hostDir string) {
	d.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{
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
			HostPath: &corev1.HostPathVolumeSource{Path: hostDir, Type: ptr.To(corev1.HostPathDirectoryOrCreate)},
		}}},
	}}
}

// serveExampleJar serves Flink's StateMachineExample.jar over http on the host's bridge
// address, which pods (the operator among them) reach directly.
func serveExampleJar(t *testing.T, ctx context.Context) string {
	t.Helper()
	home, err := flinkdist.Ensure(ctx, "1.20")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(localcluster.BridgeIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(filepath.Join(home, "examples", "streaming"))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/StateMachineExample.jar"
}

type sessionJobRun struct {
	t       *testing.T
	ctx     context.Context
	c       *app.Clients
	key     types.NamespacedName
	session types.NamespacedName
	start   time.Time // of the case: its steps log how far into it they are
}

func (s *sessionJobRun) get() *v1beta1.FlinkSessionJob {
	s.t.Helper()
	sj := &v1beta1.FlinkSessionJob{}
	if err := s.c.Ctrl.Get(s.ctx, s.key, sj); err != nil {
		s.t.Fatal(err)
	}
	return sj
}

func (s *sessionJobRun) update(mutate func(*v1beta1.JobSpec)) {
	s.t.Helper()
	attempt := 0
	s.eventually("the spec update", func() error {
		attempt++
		start := time.Now()
		sj := s.get()
		mutate(sj.Spec.Job)
		err := s.c.Ctrl.Update(s.ctx, sj)
		// A cold CI run saw this step take 4 minutes: say what each slow or failed try met.
		if took := time.Since(start); err != nil || took > 5*time.Second {
			s.t.Logf("the spec update, try %d (resourceVersion %s): %v after %s", attempt, sj.ResourceVersion, err, took.Round(time.Millisecond))
		}
		return err
	})
}

func (s *sessionJobRun) flink() *flinkrest.Client {
	s.t.Helper()
	return flinkClient(s.t, s.ctx, s.c, s.session)
}

func (s *sessionJobRun) activeJobs() int {
	s.t.Helper()
	jobs, err := s.flink().ListJobs(s.ctx)
	if err != nil {
		return -1
	}
	n := 0
	for _, j := range jobs {
		if !j.State.IsGloballyTerminal() {
			n++
		}
	}
	return n
}

// waitRunning waits until the status reports a RUNNING job other than prev that Flink runs
// as the only active job of the session, and returns its id.
func (s *sessionJobRun) waitRunning(what, prev string) string {
	s.t.Helper()
	var id string
	// eventually itself, not s.eventually: the step is logged below, with the job's id.
	eventually(s.t, what+": job RUNNING", func() error {
		sj := s.get()
		js := sj.Status.JobStatus
		if js.State != "RUNNING" || js.JobID == "" || js.JobID == prev || sj.Status.LifecycleState != v1beta1.LifecycleStable {
			return fmt.Errorf("lifecycle %s job %s %s error %q", sj.Status.LifecycleState, js.JobID, js.State, sj.Status.Error)
		}
		jobs, err := s.flink().ListJobs(s.ctx)
		if err != nil {
			return err
		}
		var active []string
		for _, j := range jobs {
			if !j.State.IsGloballyTerminal() {
				active = append(active, j.ID+" "+string(j.State))
			}
		}
		if len(active) != 1 || active[0] != js.JobID+" RUNNING" {
			return fmt.Errorf("status job %s, Flink's active jobs %v", js.JobID, active)
		}
		id = js.JobID
		return nil
	}, func() string { return s.c.Diagnose(s.ctx, s.session, 40) })
	s.t.Logf("%s: job %s RUNNING (%s into the case)", what, id, time.Since(s.start).Round(time.Second))
	return id
}

func (s *sessionJobRun) waitCheckpoint(jobID string) {
	s.t.Helper()
	s.eventually("a completed checkpoint of "+jobID, func() error {
		cp, err := s.flink().Checkpoints(s.ctx, jobID)
		if err != nil {
			return err
		}
		if cp.Latest.Completed == nil {
			return fmt.Errorf("no completed checkpoint yet")
		}
		return nil
	})
}

// assertRestoredFromStatusSavepoint checks that Flink restored jobID from the savepoint the
// status recorded for the upgrade or suspend.
func (s *sessionJobRun) assertRestoredFromStatusSavepoint(jobID string) {
	s.t.Helper()
	sp := s.get().Status.JobStatus.UpgradeSavepointPath
	if sp == "" {
		s.t.Fatal("no upgradeSavepointPath in the status")
	}
	s.eventually("job "+jobID+" restored from "+sp, func() error {
		cp, err := s.flink().Checkpoints(s.ctx, jobID)
		if err != nil {
			return err
		}
		r := cp.Latest.Restored
		if r == nil || !r.IsSavepoint || !samePath(r.ExternalPath, sp) {
			return fmt.Errorf("restored %+v, want savepoint %s", r, sp)
		}
		return nil
	})
}

func (s *sessionJobRun) eventually(what string, check func() error) {
	s.t.Helper()
	eventually(s.t, what, check, func() string { return s.c.Diagnose(s.ctx, s.session, 40) })
	s.t.Logf("%s (%s into the case)", what, time.Since(s.start).Round(time.Second))
}
