package lifecycle

import (
	"strings"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// spec is an application deployment with Kubernetes HA on Flink 1.20.
func spec(mode v1beta1.UpgradeMode) *v1beta1.FlinkDeploymentSpec {
	s := baseSpec()
	s.Job.UpgradeMode = mode
	withConf(s, "high-availability.type", "kubernetes", "high-availability.storageDir", "s3://b/ha")
	return s
}

// running is a healthy, deployed, running job.
func running() Observed {
	return Observed{
		JobManager:          v1beta1.JMReady,
		DeployedSpecCurrent: true,
		Job:                 &JobFacts{ID: "00000000000000000000000000000001", State: "RUNNING"},
		HAMetadata:          true,
		Reconciliation:      v1beta1.ReconciliationDeployed,
		ReconciledAt:        t0,
	}
}

type planCase struct {
	name    string
	in      Input
	kind    ActionKind
	mode    v1beta1.UpgradeMode
	restore string
	reason  string // substring of Reason
}

func mk(desired, last *v1beta1.FlinkDeploymentSpec, o Observed, edit ...func(*Input)) Input {
	in := Input{Desired: desired, LastReconciled: last, LastStable: last, Observed: o, Options: DefaultOptions(), Now: t0.Add(time.Minute)}
	for _, e := range edit {
		e(&in)
	}
	return in
}

func changed(s *v1beta1.FlinkDeploymentSpec, f func(*v1beta1.FlinkDeploymentSpec)) *v1beta1.FlinkDeploymentSpec {
	c := s.DeepCopy()
	f(c)
	return c
}

func newImage(s *v1beta1.FlinkDeploymentSpec) { s.Image = "registry/app:2" }

func obs(f func(*Observed)) Observed {
	o := running()
	f(&o)
	return o
}

func failedJob(o *Observed) { o.Job.State = "FAILED" }
func noHA(o *Observed)      { o.HAMetadata = false }
func jmMissing(o *Observed) { o.JobManager = v1beta1.JMMissing; o.Job = nil }
func upgrading(o *Observed) { o.Reconciliation = v1beta1.ReconciliationUpgrading }
func suspendedSpec(m v1beta1.UpgradeMode) *v1beta1.FlinkDeploymentSpec {
	return changed(spec(m), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended })
}

func TestPlan(t *testing.T) {
	sp, ls, sl := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState, v1beta1.UpgradeModeStateless
	cases := []planCase{
		// First deployment.
		{"first deploy", mk(spec(sp), nil, Observed{}), ActionDeploy, sp, "", "first deployment"},
		{"first deploy from initial savepoint", mk(changed(spec(sp), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.InitialSavepointPath = "s3://b/sp-0" }), nil, Observed{}),
			ActionDeploy, sp, "s3://b/sp-0", "initialSavepointPath"},
		{"first deploy suspended deploys nothing", mk(suspendedSpec(sp), nil, Observed{}), ActionNothing, "", "", "suspended"},

		// Steady state.
		{"no change", mk(spec(sp), spec(sp), running()), ActionNothing, "", "", "running"},

		// Upgrades and the choice of mode.
		{"savepoint upgrade", mk(changed(spec(sp), newImage), spec(sp), running()), ActionUpgrade, sp, "", "image: flink:1.20 -> registry/app:2"},
		{"savepoint upgrade of failed job falls back to last-state", mk(changed(spec(sp), newImage), spec(sp), obs(failedJob)), ActionUpgrade, ls, "", "HA metadata"},
		{"savepoint upgrade of failed job without HA is blocked", mk(changed(spec(sp), newImage), spec(sp), obs(func(o *Observed) { failedJob(o); noHA(o) })), ActionBlocked, "", "", "no savepoint can be taken"},
		{"last-state fallback disabled", mk(changed(spec(sp), newImage), spec(sp), obs(failedJob), func(in *Input) { in.Options.LastStateFallback = false }), ActionBlocked, "", "", "not running"},
		{"last-state upgrade", mk(changed(spec(ls), newImage), spec(ls), running()), ActionUpgrade, ls, "", ""},
		{"last-state upgrade, checkpoint older than the allowed age: savepoint", mk(changed(spec(ls), newImage), spec(ls), obs(func(o *Observed) {
			o.LastCheckpoint = &Snapshot{Path: "s3://b/chk-1", Time: t0.Add(-time.Hour)}
		}), func(in *Input) { in.Options.LastStateMaxCheckpointAge = 10 * time.Minute }), ActionUpgrade, sp, "", "1h1m0s old, more than 10m0s"},
		{"last-state upgrade, no checkpoint known and an age limit: savepoint", mk(changed(spec(ls), newImage), spec(ls), running(),
			func(in *Input) { in.Options.LastStateMaxCheckpointAge = 10 * time.Minute }), ActionUpgrade, sp, "", "no completed checkpoint"},
		{"last-state upgrade, checkpoint within the allowed age", mk(changed(spec(ls), newImage), spec(ls), obs(func(o *Observed) {
			o.LastCheckpoint = &Snapshot{Path: "s3://b/chk-1", Time: t0}
		}), func(in *Input) { in.Options.LastStateMaxCheckpointAge = 10 * time.Minute }), ActionUpgrade, ls, "", ""},
		{"last-state upgrade of a stopped job ignores the age limit", mk(changed(spec(ls), newImage), spec(ls), obs(failedJob),
			func(in *Input) { in.Options.LastStateMaxCheckpointAge = 10 * time.Minute }), ActionUpgrade, ls, "", ""},
		{"last-state upgrade without HA metadata is blocked", mk(changed(spec(ls), newImage), spec(ls), obs(noHA)), ActionBlocked, "", "", "HA metadata is not available"},
		{"last-state across Flink versions uses a savepoint", mk(changed(spec(ls), func(s *v1beta1.FlinkDeploymentSpec) { s.FlinkVersion = v1beta1.FlinkVersion2_3; s.Image = "flink:2.3" }), spec(ls), running()),
			ActionUpgrade, sp, "", "Flink version changes"},
		{"last-state across versions with a stopped job is blocked", mk(changed(spec(ls), func(s *v1beta1.FlinkDeploymentSpec) { s.FlinkVersion = v1beta1.FlinkVersion2_3 }), spec(ls), obs(failedJob)),
			ActionBlocked, "", "", "cannot cross versions"},
		{"last-state after a stateless deployment uses a savepoint", mk(changed(spec(ls), newImage), spec(sl), running()), ActionUpgrade, sp, "", "deployed stateless"},
		{"stateless upgrade even when failed", mk(changed(spec(sl), newImage), spec(sl), obs(func(o *Observed) { failedJob(o); noHA(o) })), ActionUpgrade, sl, "", ""},
		{"upgrade waits for a pending savepoint", mk(changed(spec(sp), newImage), spec(sp), obs(func(o *Observed) {
			o.PendingSavepoint = &PendingTrigger{TriggerID: "t1", Type: v1beta1.SnapshotTriggerPeriodic}
		})), ActionWait, "", "", "t1"},
		{"upgrade may ignore a pending savepoint", mk(changed(spec(sp), newImage), spec(sp), obs(func(o *Observed) {
			o.PendingSavepoint = &PendingTrigger{TriggerID: "t1"}
		}), func(in *Input) { in.Options.IgnorePendingSavepoint = true }), ActionUpgrade, sp, "", ""},
		{"scale in place", mk(changed(withConf(spec(sp), "jobmanager.scheduler", "adaptive"), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }),
			withConf(spec(sp), "jobmanager.scheduler", "adaptive"), running()), ActionScale, "", "", "job.parallelism: 2 -> 4"},
		{"savepoint redeploy", mk(changed(spec(sp), func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.SavepointRedeployNonce = ptr[int64](1)
			s.Job.InitialSavepointPath = "s3://b/sp-9"
		}), spec(sp), running()), ActionUpgrade, sl, "s3://b/sp-9", "savepoint redeploy"},
		{"savepoint redeploy without a path", mk(changed(spec(sp), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointRedeployNonce = ptr[int64](1) }), spec(sp), running()),
			ActionBlocked, "", "", "initialSavepointPath is empty"},

		// Suspend and resume.
		{"suspend with savepoint", mk(suspendedSpec(sp), spec(sp), running()), ActionSuspend, sp, "", "suspended"},
		{"suspend last-state", mk(suspendedSpec(ls), spec(ls), running()), ActionSuspend, ls, "", ""},
		{"recorded suspended but still running: stop it (operator died in between)", mk(suspendedSpec(sp), suspendedSpec(sp), running()), ActionSuspend, sp, "", "still runs"},
		{"recorded suspended, its savepoint taken, the job still finishing", mk(suspendedSpec(sp), suspendedSpec(sp), obs(func(o *Observed) { o.UpgradeSavepointPath = "s3://b/sp-sus" })),
			ActionWait, "", "", "finishing"},
		{"recorded suspended, savepoint in flight", mk(suspendedSpec(sp), suspendedSpec(sp), obs(func(o *Observed) {
			o.PendingSavepoint = &PendingTrigger{TriggerID: "t5", Type: v1beta1.SnapshotTriggerUpgrade}
		})), ActionWait, "", "", "t5"},
		{"suspended and stopped", mk(suspendedSpec(sp), suspendedSpec(sp), obs(func(o *Observed) { o.Job.State = "FINISHED" })), ActionNothing, "", "", "suspended"},
		{"changes while suspended wait for resume", mk(changed(suspendedSpec(sp), newImage), suspendedSpec(sp), Observed{JobManager: v1beta1.JMMissing}), ActionNothing, "", "", "apply on resume"},
		{"resume from the suspend savepoint", mk(spec(sp), suspendedSpec(sp), Observed{JobManager: v1beta1.JMMissing, UpgradeSavepointPath: "s3://b/sp-5"}),
			ActionResume, sp, "s3://b/sp-5", "resuming from savepoint"},
		{"resume without a savepoint is blocked", mk(spec(sp), suspendedSpec(sp), Observed{JobManager: v1beta1.JMMissing}), ActionBlocked, "", "", "none is recorded"},
		{"resume last-state", mk(spec(ls), suspendedSpec(ls), Observed{JobManager: v1beta1.JMMissing, HAMetadata: true}), ActionResume, ls, "", "HA metadata"},
		{"resume last-state with HA data gone is blocked", mk(spec(ls), suspendedSpec(ls), Observed{JobManager: v1beta1.JMMissing}), ActionBlocked, "", "", "refusing to start from empty state"},
		{"resume stateless", mk(spec(sl), suspendedSpec(sl), Observed{JobManager: v1beta1.JMMissing}), ActionResume, sl, "", "empty state"},

		// An upgrade recorded in status (write-ahead) is carried on after a restart.
		{"upgrading: old job still running is stopped again", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) {
			upgrading(o)
			o.DeployedSpecCurrent = false
		})), ActionUpgrade, sp, "", "stopping the old job"},
		{"upgrading: waits for the stop-with-savepoint", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			upgrading(o)
			o.DeployedSpecCurrent = false
			o.PendingSavepoint = &PendingTrigger{TriggerID: "t9", Type: v1beta1.SnapshotTriggerUpgrade}
		})), ActionWait, "", "", "t9"},
		{"upgrading: deploys from the recorded savepoint", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			upgrading(o)
			o.DeployedSpecCurrent = false
			o.Job.State = "FINISHED"
			o.UpgradeSavepointPath = "s3://b/sp-7"
		})), ActionDeploy, sp, "s3://b/sp-7", "deploying from savepoint"},
		{"upgrading: savepoint path lost, newest savepoint is from this upgrade", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			upgrading(o)
			jmMissing(o)
			o.LastSavepoint = &Snapshot{Path: "s3://b/sp-8", Time: t0.Add(time.Second)}
		})), ActionDeploy, sp, "s3://b/sp-8", ""},
		{"upgrading: an older savepoint is not taken for this upgrade", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			upgrading(o)
			jmMissing(o)
			noHA(o)
			o.LastSavepoint = &Snapshot{Path: "s3://b/sp-old", Time: t0.Add(-time.Hour)}
		})), ActionBlocked, "", "", "refusing to start from empty state"},
		{"upgrading: a retried first deployment needs no state (savepoint)", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			upgrading(o)
			jmMissing(o)
			noHA(o)
			o.FirstDeployment = true
		})), ActionDeploy, sp, "", "first deployment"},
		{"upgrading: a retried first deployment needs no state (last-state)", mk(spec(ls), spec(ls), obs(func(o *Observed) {
			upgrading(o)
			jmMissing(o)
			noHA(o)
			o.FirstDeployment = true
		})), ActionDeploy, ls, "", "first deployment"},
		{"upgrading: no savepoint but HA metadata", mk(spec(sp), spec(sp), obs(func(o *Observed) { upgrading(o); jmMissing(o) })), ActionDeploy, ls, "", "HA metadata"},
		{"upgrading last-state", mk(spec(ls), spec(ls), obs(func(o *Observed) { upgrading(o); jmMissing(o) })), ActionDeploy, ls, "", "last-state"},
		{"upgrading last-state without HA is blocked", mk(spec(ls), spec(ls), obs(func(o *Observed) { upgrading(o); jmMissing(o); noHA(o) })), ActionBlocked, "", "", "Manual restore"},
		{"upgrading: crash after apply re-applies", mk(spec(sl), spec(sl), obs(func(o *Observed) { upgrading(o); o.Job.State = "INITIALIZING" })), ActionDeploy, sl, "", "already applied"},

		// JobManager recovery.
		{"JobManager gone, HA metadata recovers", mk(spec(sp), spec(sp), obs(jmMissing)), ActionDeploy, ls, "", "recovering from HA metadata"},
		{"JobManager gone, recovery off", mk(spec(sp), spec(sp), obs(jmMissing), func(in *Input) { in.Options.JMDeploymentRecovery = false }), ActionBlocked, "", "", "jm-deployment-recovery.enabled is false"},
		{"JobManager gone, no HA, stateful job is blocked", mk(spec(sp), spec(sp), obs(func(o *Observed) { jmMissing(o); noHA(o) })), ActionBlocked, "", "", "Manual restore"},
		{"JobManager gone, stateless redeploys", mk(spec(sl), spec(sl), obs(func(o *Observed) { jmMissing(o); noHA(o) })), ActionDeploy, sl, "", ""},

		// Rollback.
		{"rollback after readiness timeout", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) { o.Job.State = "RESTARTING" }), func(in *Input) {
			in.LastStable = spec(sp)
			in.Options.RollbackEnabled = true
			in.Now = t0.Add(6 * time.Minute)
		}), ActionRollback, ls, "", "rolling back"},
		{"no rollback before readiness timeout", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) { o.Job.State = "RESTARTING" }), func(in *Input) {
			in.LastStable = spec(sp)
			in.Options.RollbackEnabled = true
			in.Now = t0.Add(4 * time.Minute)
		}), ActionWait, "", "", "RESTARTING"},
		{"a long stop-with-savepoint does not count against the readiness timeout", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) {
			o.Job.State = "RESTARTING"
			o.DeployedAt = t0.Add(50 * time.Minute) // the savepoint took 50 minutes
		}), func(in *Input) {
			in.LastStable = spec(sp)
			in.Options.RollbackEnabled = true
			in.Now = t0.Add(54 * time.Minute)
		}), ActionWait, "", "", "RESTARTING"},
		{"readiness timeout counted from the deploy", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) {
			o.Job.State = "RESTARTING"
			o.DeployedAt = t0.Add(50 * time.Minute)
		}), func(in *Input) {
			in.LastStable = spec(sp)
			in.Options.RollbackEnabled = true
			in.Now = t0.Add(56 * time.Minute)
		}), ActionRollback, ls, "", "rolling back"},
		{"no rollback unless enabled", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) { o.Job.State = "RESTARTING" }), func(in *Input) {
			in.LastStable = spec(sp)
			in.Now = t0.Add(time.Hour)
		}), ActionWait, "", "", ""},
		{"rollback of a failed job without HA uses the pre-upgrade savepoint", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) {
			o.Job.State = "RESTARTING"
			noHA(o)
			o.UpgradeSavepointPath = "s3://b/sp-pre"
		}), func(in *Input) {
			in.LastStable = spec(sp)
			in.Options.RollbackEnabled = true
			in.Now = t0.Add(6 * time.Minute)
		}), ActionRollback, sp, "s3://b/sp-pre", "pre-upgrade savepoint"},
		{"rolling back deploys the stable spec", mk(changed(spec(sp), newImage), changed(spec(sp), newImage), obs(func(o *Observed) {
			o.Reconciliation = v1beta1.ReconciliationRollingBack
			jmMissing(o)
		}), func(in *Input) {
			in.LastStable = changed(spec(sp), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeLastState })
		}),
			ActionDeploy, ls, "", "rollback"},

		// Failed and unhealthy jobs.
		{"failed job is left alone by default", mk(spec(sp), spec(sp), obs(failedJob)), ActionNothing, "", "", OptRestartFailed},
		{"failed job restarts when enabled", mk(spec(sp), spec(sp), obs(failedJob), func(in *Input) { in.Options.RestartFailed = true }), ActionRestartUnhealthy, ls, "", "FAILED"},
		{"unhealthy job restarts with a savepoint", mk(spec(sp), spec(sp), obs(func(o *Observed) { o.Health = Health{Unhealthy: true, Reason: "too many restarts"} }),
			func(in *Input) { in.Options.HealthCheckEnabled = true }), ActionRestartUnhealthy, sp, "", "too many restarts"},

		// Savepoints.
		{"manual savepoint", mk(changed(spec(sp), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointTriggerNonce = ptr[int64](2) }), spec(sp), running()), ActionTriggerSavepoint, "", "", "savepointTriggerNonce"},
		{"savepoint in progress", mk(spec(sp), spec(sp), obs(func(o *Observed) {
			o.PendingSavepoint = &PendingTrigger{TriggerID: "t3", Type: v1beta1.SnapshotTriggerManual}
		})), ActionWait, "", "", "MANUAL savepoint t3"},
		{"periodic savepoint due", mk(spec(sp), spec(sp), running(), func(in *Input) {
			in.Options.PeriodicSavepoint = Schedule{Every: time.Hour, text: "every 1h0m0s"}
			in.Observed.LastPeriodicSavepoint = t0.Add(-2 * time.Hour)
		}), ActionTriggerSavepoint, "", "", "periodic"},

		// Session clusters.
		{"session cluster config change redeploys", mk(changed(func() *v1beta1.FlinkDeploymentSpec { s := spec(sp); s.Job = nil; return s }(), newImage),
			func() *v1beta1.FlinkDeploymentSpec { s := spec(sp); s.Job = nil; return s }(), running()), ActionUpgrade, sl, "", "session cluster"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Plan(tc.in)
			if a.Kind != tc.kind || a.UpgradeMode != tc.mode || a.RestoreFrom != tc.restore {
				t.Fatalf("got %s mode=%q restore=%q (%s); want %s mode=%q restore=%q", a.Kind, a.UpgradeMode, a.RestoreFrom, a.Reason, tc.kind, tc.mode, tc.restore)
			}
			if !strings.Contains(a.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", a.Reason, tc.reason)
			}
			assertNeverSilentlyStateless(t, tc.in, a)
		})
	}
}

// assertNeverSilentlyStateless: an action that (re)starts or stops a job for redeploy may
// drop state only when the spec asks for stateless (or redeploys a chosen savepoint).
func assertNeverSilentlyStateless(t *testing.T, in Input, a Action) {
	t.Helper()
	switch a.Kind {
	case ActionUpgrade, ActionSuspend, ActionDeploy, ActionResume, ActionRollback, ActionRestartUnhealthy:
	default:
		return
	}
	if a.UpgradeMode != v1beta1.UpgradeModeStateless || a.RestoreFrom != "" {
		return
	}
	for _, s := range []*v1beta1.FlinkDeploymentSpec{in.Desired, in.LastReconciled} {
		if s != nil && s.Job != nil && s.Job.EffectiveUpgradeMode() != v1beta1.UpgradeModeStateless {
			t.Errorf("%s drops state of a %s job: %s", a.Kind, s.Job.EffectiveUpgradeMode(), a.Reason)
		}
	}
}

func TestPeriodicSavepointNotDueRequeues(t *testing.T) {
	in := mk(spec(v1beta1.UpgradeModeSavepoint), spec(v1beta1.UpgradeModeSavepoint), running(), func(in *Input) {
		in.Options.PeriodicSavepoint = Schedule{Every: time.Hour, text: "every 1h0m0s"}
		in.Observed.LastPeriodicSavepoint = in.Now.Add(-20 * time.Minute)
	})
	a := Plan(in)
	if a.Kind != ActionNothing || a.RequeueAfter != 40*time.Minute {
		t.Fatalf("got %s requeue %s", a.Kind, a.RequeueAfter)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	in := mk(changed(spec(v1beta1.UpgradeModeSavepoint), newImage), spec(v1beta1.UpgradeModeSavepoint), running())
	a, b := Plan(in), Plan(in)
	if a.Kind != b.Kind || a.Reason != b.Reason || a.Diff.String() != b.Diff.String() {
		t.Fatalf("two plans differ: %+v vs %+v", a, b)
	}
}

// A last-state deploy recovers the job's state from HA metadata, but must run the target
// spec: the old job graph is deleted first (HADropJobGraph), checkpoint pointers stay. Any
// other deploy of a job starts without the old job's HA data (HAWipe).
func TestPlanHADataStepOfDeploys(t *testing.T) {
	sp, ls, sl := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState, v1beta1.UpgradeModeStateless
	parallelism1 := func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 1 }
	session := func() *v1beta1.FlinkDeploymentSpec { s := spec(sl); s.Job = nil; return s }
	cases := []struct {
		name string
		in   Input
		kind ActionKind
		ha   HADataStep
	}{
		{"last-state upgrade (parallelism 2 -> 1): deploy drops the old graph",
			mk(changed(spec(ls), parallelism1), changed(spec(ls), parallelism1), obs(func(o *Observed) { upgrading(o); jmMissing(o) })), ActionDeploy, HADropJobGraph},
		{"savepoint upgrade that fell back to HA metadata: deploy drops the old graph",
			mk(spec(sp), spec(sp), obs(func(o *Observed) { upgrading(o); jmMissing(o) })), ActionDeploy, HADropJobGraph},
		{"last-state resume drops the old graph",
			mk(changed(spec(ls), parallelism1), suspendedSpec(ls), Observed{JobManager: v1beta1.JMMissing, HAMetadata: true}), ActionResume, HADropJobGraph},
		{"JobManager recovery from HA metadata drops the graph (same spec, same job id)",
			mk(spec(sp), spec(sp), obs(jmMissing)), ActionDeploy, HADropJobGraph},
		{"savepoint deploy deletes HA data as a whole, not the graph step",
			mk(spec(sp), spec(sp), obs(func(o *Observed) { upgrading(o); jmMissing(o); o.UpgradeSavepointPath = "s3://b/sp-7" })), ActionDeploy, HAWipe},
		{"stateless deploy", mk(spec(sl), spec(sl), obs(func(o *Observed) { upgrading(o); jmMissing(o); noHA(o) })), ActionDeploy, HAWipe},
		{"session cluster has no job graph", mk(session(), session(), obs(jmMissing)), ActionDeploy, HAKeep},
		{"the stop step itself keeps everything", mk(changed(spec(ls), parallelism1), spec(ls), running()), ActionUpgrade, HAKeep},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Plan(tc.in)
			if a.Kind != tc.kind || a.HAData != tc.ha {
				t.Fatalf("got %s haData=%q (%s); want %s haData=%q", a.Kind, a.HAData, a.Reason, tc.kind, tc.ha)
			}
		})
	}
}

// Only a JobManager lost while the job ran is a recovery; the deploy step of a rollout,
// which removed the JobManager itself, is not.
func TestRecoveryMarksOnlyALostJobManager(t *testing.T) {
	sp, sl := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeStateless
	for _, tc := range []struct {
		name string
		in   Input
		want bool
	}{
		{"lost, HA metadata", mk(spec(sp), spec(sp), obs(jmMissing)), true},
		{"lost, stateless", mk(spec(sl), spec(sl), obs(func(o *Observed) { jmMissing(o); noHA(o) })), true},
		{"rollout's deploy step", mk(spec(sp), spec(sp), obs(func(o *Observed) { upgrading(o); jmMissing(o) })), false},
		{"first deploy", mk(spec(sp), nil, Observed{}), false},
	} {
		if a := Plan(tc.in); a.Kind != ActionDeploy || a.Recovery != tc.want {
			t.Errorf("%s: %s recovery=%v, want deploy recovery=%v (%s)", tc.name, a.Kind, a.Recovery, tc.want, a.Reason)
		}
	}
}
