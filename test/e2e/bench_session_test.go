package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/bench/upgrade"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/testenv"
)

// benchSessionUpgrades brings up the session cluster of TestBenchUpgrade and measures on
// it the limit (benchHandUpgrades), then the operator upgrading the same job as a
// FlinkSessionJob (benchSessionJobUpgrades).
func benchSessionUpgrades(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, runs int) ([]upgrade.Figures, upgrade.Runs) {
	d := benchCluster(r, "bench-session")
	key := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
	if err := c.Ctrl.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	defer deleteDeployment(t, ctx, c, key)
	if _, err := r.Wait(ctx, c, key, app.TargetReady, readyTimeout); err != nil {
		t.Fatal(err)
	}
	s := &sessionJobRun{t: t, ctx: ctx, c: c, session: key}
	hand := benchHandUpgrades(t, ctx, s, runs)
	return hand, benchSessionJobUpgrades(t, ctx, s, runs)
}

// benchHandUpgrades runs the jar on the session cluster and upgrades it runs times by hand
// through Flink's REST API: stop-with-savepoint, then the jar run from the savepoint. It
// cancels its job at the end, leaving the cluster to the FlinkSessionJob.
func benchHandUpgrades(t *testing.T, ctx context.Context, s *sessionJobRun, runs int) []upgrade.Figures {
	home, err := flinkdist.Ensure(ctx, "1.20") // the image's Flink: the same jar as the FlinkDeployment's
	if err != nil {
		t.Fatal(err)
	}
	fl := s.flink()
	jar, err := fl.UploadJar(ctx, filepath.Join(home, "examples", "streaming", "StateMachineExample.jar"))
	if err != nil {
		t.Fatal(err)
	}
	run := flinkrest.RunJarRequest{EntryClass: stateMachineClass, Parallelism: 1}
	job, err := fl.RunJar(ctx, jar, run)
	if err != nil {
		t.Fatal(err)
	}
	fast := flinkrest.PollInterval{Initial: 100 * time.Millisecond} // the limit polls as fast as it sensibly can
	var out []upgrade.Figures
	for i := 1; i <= runs; i++ {
		s.waitCheckpoint(job)
		seen := follow(ctx, job, func() (*flinkrest.Client, error) { return fl, nil })
		requested := time.Now()
		trigger, err := fl.StopWithSavepoint(ctx, job, flinkrest.StopRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if run.SavepointPath, err = fl.AwaitSavepoint(ctx, job, trigger, fast); err != nil {
			t.Fatal(err)
		}
		if job, err = fl.RunJar(ctx, jar, run); err != nil {
			t.Fatal(err)
		}
		f := figures(t, <-seen, requested)
		out = append(out, f)
		t.Logf("upgrade %d by hand: %+v (from %s)", i, f, run.SavepointPath)
		s.eventually("job "+job+" restored from "+run.SavepointPath, func() error { // the limit must carry state too
			cp, err := fl.Checkpoints(ctx, job)
			if err != nil {
				return err
			}
			if r := cp.Latest.Restored; r == nil || !r.IsSavepoint || !samePath(r.ExternalPath, run.SavepointPath) {
				return fmt.Errorf("restored %+v", r)
			}
			return nil
		})
	}
	if err := fl.CancelJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	s.eventually("the cluster without a job", func() error {
		if n := s.activeJobs(); n != 0 {
			return fmt.Errorf("%d jobs active", n)
		}
		return nil
	})
	return out
}

// benchSessionJobUpgrades runs the same jar, served over http, as a FlinkSessionJob in
// savepoint mode and has the operator upgrade it runs times (a change of its arguments,
// which the job ignores), each measured as the FlinkDeployment's are.
func benchSessionJobUpgrades(t *testing.T, ctx context.Context, s *sessionJobRun, runs int) upgrade.Runs {
	sj := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-sessionjob", Namespace: s.session.Namespace},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: s.session.Name, Job: &v1beta1.JobSpec{
			JarURI: serveExampleJar(t, ctx), EntryClass: stateMachineClass, Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint,
		}},
	}
	if err := s.c.Ctrl.Create(ctx, sj); err != nil {
		t.Fatal(err)
	}
	s.key = client.ObjectKeyFromObject(sj)
	defer func() { // before its session cluster goes
		if err := s.c.Ctrl.Delete(ctx, sj); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %s: %v", sj.Name, err)
			return
		}
		if err := (testenv.Poll{Limit: deleteTimeout, Interval: time.Second}).Wait(func() error {
			if err := s.c.Ctrl.Get(ctx, s.key, &v1beta1.FlinkSessionJob{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there (get: %v)", err) //nolint:errorlint // err is nil while it exists
			}
			return nil
		}); err != nil {
			t.Errorf("FlinkSessionJob %s: %v", sj.Name, err)
		}
	}()
	var res upgrade.Runs
	job := s.waitRunning("first submission", "")
	for i := 1; i <= runs; i++ {
		s.waitCheckpoint(job)
		fl := s.flink()
		seen := follow(ctx, job, func() (*flinkrest.Client, error) { return fl, nil })
		requested := time.Now()
		s.update(func(j *v1beta1.JobSpec) { j.Args = []string{"--bench-run", strconv.Itoa(i)} })
		job = s.waitRunning(fmt.Sprintf("FlinkSessionJob upgrade %d", i), job)
		e := waitRolloutTimed(s.eventually, func() *v1beta1.CommonStatus { return &s.get().Status.CommonStatus })
		addRun(t, &res, fmt.Sprintf("FlinkSessionJob upgrade %d", i), figures(t, <-seen, requested), e)
	}
	return res
}
