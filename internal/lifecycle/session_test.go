package lifecycle

import (
	"strings"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

func sessionJob(mode v1beta1.UpgradeMode) *v1beta1.FlinkSessionJobSpec {
	return &v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{
		JarURI: "https://repo.example/jobs/app-1.jar", Parallelism: 1, UpgradeMode: mode,
	}}
}

func sj(s *v1beta1.FlinkSessionJobSpec, f func(*v1beta1.JobSpec)) *v1beta1.FlinkSessionJobSpec {
	c := s.DeepCopy()
	f(c.Job)
	return c
}

func sessionRunning() SessionJobObserved {
	return SessionJobObserved{ClusterReady: true, Job: &JobFacts{ID: "j1", State: "RUNNING"},
		Reconciliation: v1beta1.ReconciliationDeployed, ReconciledAt: t0}
}

func so(f func(*SessionJobObserved)) SessionJobObserved {
	o := sessionRunning()
	f(&o)
	return o
}

func TestPlanSessionJob(t *testing.T) {
	sp, ls, sl := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState, v1beta1.UpgradeModeStateless
	newJar := func(j *v1beta1.JobSpec) { j.JarURI = "https://repo.example/jobs/app-2.jar" }
	suspend := func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateSuspended }
	p2 := func(j *v1beta1.JobSpec) { j.Parallelism = 2 }
	cases := []struct {
		name      string
		desired   *v1beta1.FlinkSessionJobSpec
		last      *v1beta1.FlinkSessionJobSpec
		o         SessionJobObserved
		opts      func(*Options)
		kind      ActionKind
		mode      v1beta1.UpgradeMode
		restore   string
		reasonSub string
	}{
		{"first submission waits for the cluster", sessionJob(sp), nil, SessionJobObserved{}, nil, ActionWait, "", "", "session cluster"},
		{"first submission", sessionJob(sp), nil, SessionJobObserved{ClusterReady: true}, nil, ActionDeploy, sp, "", "first submission"},
		{"first submission from a savepoint", sj(sessionJob(sp), func(j *v1beta1.JobSpec) { j.InitialSavepointPath = "s3://b/sp" }), nil, SessionJobObserved{ClusterReady: true}, nil, ActionDeploy, sp, "s3://b/sp", ""},
		{"steady", sessionJob(sp), sessionJob(sp), sessionRunning(), nil, ActionNothing, "", "", "running"},
		{"jar change upgrades with a savepoint", sj(sessionJob(sp), newJar), sessionJob(sp), sessionRunning(), nil, ActionUpgrade, sp, "", "job.jarURI"},
		{"parallelism change upgrades", sj(sessionJob(sp), func(j *v1beta1.JobSpec) { j.Parallelism = 2 }), sessionJob(sp), sessionRunning(), nil, ActionUpgrade, sp, "", "job.parallelism"},
		{"stopped job falls back to its checkpoint", sj(sessionJob(sp), newJar), sessionJob(sp), so(func(o *SessionJobObserved) { o.Job.State = "RESTARTING"; o.LastCheckpointPath = "s3://b/chk-9" }), nil, ActionUpgrade, ls, "s3://b/chk-9", "newest known state"},
		{"stopped job without checkpoint is blocked", sj(sessionJob(sp), newJar), sessionJob(sp), so(func(o *SessionJobObserved) { o.Job.State = "RESTARTING" }), nil, ActionBlocked, "", "", "no savepoint can be taken"},
		// last-state: the restore point is known before the job is stopped (the newest known
		// state is recorded as the fallback), or the job is not stopped at all.
		{"last-state upgrade: the latest checkpoint", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) { o.LastCheckpointPath = "s3://b/chk-3" }), nil, ActionUpgrade, ls, "s3://b/chk-3", "job.parallelism"},
		{"last-state upgrade, checkpoint older than the allowed age: savepoint", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.LastCheckpointPath, o.LastCheckpointTime = "s3://b/chk-3", t0.Add(-time.Hour)
		}), func(o *Options) { o.LastStateMaxCheckpointAge = 10 * time.Minute }, ActionUpgrade, sp, "", "more than 10m0s"},
		{"last-state upgrade, checkpoint within the allowed age", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.LastCheckpointPath, o.LastCheckpointTime = "s3://b/chk-3", t0
		}), func(o *Options) { o.LastStateMaxCheckpointAge = 10 * time.Minute }, ActionUpgrade, ls, "s3://b/chk-3", ""},
		{"last-state upgrade right after a restore: the restored savepoint", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) { o.RestoredFrom = "s3://b/sp-up" }), nil, ActionUpgrade, ls, "s3://b/sp-up", ""},
		{"last-state upgrade, restore recorded in status only", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) { o.UpgradeSavepointPath = "s3://b/sp-up" }), nil, ActionUpgrade, ls, "s3://b/sp-up", ""},
		{"last-state upgrade: a savepoint of this run newer than its checkpoint", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.JobStarted = t0
			o.LastCheckpointPath, o.LastCheckpointTime = "s3://b/chk-3", t0.Add(time.Minute)
			o.LastSavepoint = &Snapshot{Path: "s3://b/sp-manual", Time: t0.Add(2 * time.Minute)}
		}), nil, ActionUpgrade, ls, "s3://b/sp-manual", ""},
		{"last-state upgrade: a savepoint of an earlier run is not this job's state", sj(sessionJob(ls), p2), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.JobStarted = t0
			o.RestoredFrom = "s3://b/sp-redeployed"
			o.LastSavepoint = &Snapshot{Path: "s3://b/sp-old", Time: t0.Add(-time.Hour)}
		}), nil, ActionUpgrade, ls, "s3://b/sp-redeployed", ""},
		{"last-state upgrade with no state known is blocked before stopping", sj(sessionJob(ls), p2), sessionJob(ls), sessionRunning(), nil, ActionBlocked, "", "", "not stopping it"},
		{"upgrading last-state: restored from a savepoint, no checkpoint since", sessionJob(ls), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job.State = "CANCELED"
			o.RestoredFrom = "s3://b/sp-up"
		}), nil, ActionDeploy, ls, "s3://b/sp-up", "submitting"},
		{"upgrading last-state: the fallback recorded before stopping", sessionJob(ls), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job = nil // Flink forgot the cancelled job
			o.UpgradeSavepointPath = "s3://b/sp-up"
		}), nil, ActionDeploy, ls, "s3://b/sp-up", ""},
		{"upgrading last-state: a checkpoint newer than the recorded fallback", sessionJob(ls), sessionJob(ls), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job.State = "CANCELED"
			o.UpgradeSavepointPath = "s3://b/sp-up"
			o.LastCheckpointPath = "s3://b/chk-8"
		}), nil, ActionDeploy, ls, "s3://b/chk-8", ""},
		{"stateless upgrade", sj(sessionJob(sl), newJar), sessionJob(sl), so(func(o *SessionJobObserved) { o.Job.State = "FAILED" }), nil, ActionUpgrade, sl, "", ""},
		{"suspend", sj(sessionJob(sp), suspend), sessionJob(sp), sessionRunning(), nil, ActionSuspend, sp, "", "suspended"},
		{"recorded suspended but still running", sj(sessionJob(sp), suspend), sj(sessionJob(sp), suspend), sessionRunning(), nil, ActionSuspend, sp, "", "still runs"},
		{"recorded suspended, its savepoint taken, the job still finishing", sj(sessionJob(sp), suspend), sj(sessionJob(sp), suspend), so(func(o *SessionJobObserved) { o.UpgradeSavepointPath = "s3://b/sp-sus" }), nil, ActionWait, "", "", "finishing"},
		{"recorded suspended last-state, still running: the fallback is kept", sj(sessionJob(ls), suspend), sj(sessionJob(ls), suspend), so(func(o *SessionJobObserved) { o.UpgradeSavepointPath = "s3://b/chk-2" }), nil, ActionSuspend, ls, "s3://b/chk-2", "still runs"},
		{"resume from the suspend savepoint", sessionJob(sp), sj(sessionJob(sp), suspend), SessionJobObserved{ClusterReady: true, UpgradeSavepointPath: "s3://b/sp-3"}, nil, ActionResume, sp, "s3://b/sp-3", "resuming"},
		{"resume last-state from the checkpoint", sessionJob(ls), sj(sessionJob(ls), suspend), SessionJobObserved{ClusterReady: true, LastCheckpointPath: "s3://b/chk-4"}, nil, ActionResume, ls, "s3://b/chk-4", ""},
		{"resume without state is blocked", sessionJob(sp), sj(sessionJob(sp), suspend), SessionJobObserved{ClusterReady: true}, nil, ActionBlocked, "", "", "refusing to start from empty state"},
		{"upgrading: old job still running", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) { o.Reconciliation = v1beta1.ReconciliationUpgrading }), nil, ActionUpgrade, sp, "", "stopping the old job"},
		{"upgrading: submit from the savepoint", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job.State = "FINISHED"
			o.UpgradeSavepointPath = "s3://b/sp-5"
		}), nil, ActionDeploy, sp, "s3://b/sp-5", "submitting"},
		{"upgrading: savepoint redeploy restores the chosen savepoint", sessionJob(sl), sessionJob(sl), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job.State = "CANCELED"
			o.UpgradeSavepointPath = "s3://b/sp-chosen"
		}), nil, ActionDeploy, sl, "s3://b/sp-chosen", ""},
		{"upgrading: no savepoint is blocked", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.Job.State = "FINISHED"
		}), nil, ActionBlocked, "", "", "refusing"},
		{"upgrading: a retried first submission needs no state", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) {
			o.Reconciliation = v1beta1.ReconciliationUpgrading
			o.FirstDeployment = true
			o.Job = nil // the first submit failed before Flink had the job
		}), nil, ActionDeploy, sp, "", "first submission"},
		{"job lost by the session cluster, checkpoint known", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) { o.Job = nil; o.LastCheckpointPath = "s3://b/chk-7" }), nil, ActionDeploy, ls, "s3://b/chk-7", "gone"},
		{"job lost, nothing known, stateful: blocked", sessionJob(sp), sessionJob(sp), so(func(o *SessionJobObserved) { o.Job = nil }), nil, ActionBlocked, "", "", "Manual restore"},
		{"job lost, stateless resubmits", sessionJob(sl), sessionJob(sl), so(func(o *SessionJobObserved) { o.Job = nil }), nil, ActionDeploy, sl, "", ""},
		{"failed job restarts when enabled", sessionJob(sl), sessionJob(sl), so(func(o *SessionJobObserved) { o.Job.State = "FAILED" }), func(o *Options) { o.RestartFailed = true }, ActionRestartUnhealthy, sl, "", "FAILED"},
		{"manual savepoint", sj(sessionJob(sp), func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = ptr[int64](1) }), sessionJob(sp), sessionRunning(), nil, ActionTriggerSavepoint, "", "", "Nonce"},
		{"savepoint redeploy", sj(sessionJob(sp), func(j *v1beta1.JobSpec) {
			j.SavepointRedeployNonce = ptr[int64](1)
			j.InitialSavepointPath = "s3://b/x"
		}), sessionJob(sp), sessionRunning(), nil, ActionUpgrade, sl, "s3://b/x", "redeploy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			a := PlanSessionJob(SessionJobInput{Desired: tc.desired, LastReconciled: tc.last, Observed: tc.o, Options: opts, Now: t0.Add(time.Minute)})
			if a.Kind != tc.kind || a.UpgradeMode != tc.mode || a.RestoreFrom != tc.restore {
				t.Fatalf("got %s mode=%q restore=%q (%s); want %s mode=%q restore=%q", a.Kind, a.UpgradeMode, a.RestoreFrom, a.Reason, tc.kind, tc.mode, tc.restore)
			}
			if !strings.Contains(a.Reason, tc.reasonSub) {
				t.Errorf("reason %q lacks %q", a.Reason, tc.reasonSub)
			}
			// Never drop state silently.
			if a.UpgradeMode == v1beta1.UpgradeModeStateless && a.RestoreFrom == "" && tc.desired.Job.EffectiveUpgradeMode() != v1beta1.UpgradeModeStateless {
				t.Errorf("stateless action for a %s job", tc.desired.Job.EffectiveUpgradeMode())
			}
		})
	}
}
