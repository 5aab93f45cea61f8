package lifecycle

import (
	"strings"
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

// Checkpoints the operator triggers (checkpointTriggerNonce, periodic.checkpoint.interval)
// are planned the same way for a FlinkDeployment and a FlinkSessionJob.
func TestPlanCheckpointTriggers(t *testing.T) {
	nonce := func(n int64) func(*v1beta1.JobSpec) {
		return func(j *v1beta1.JobSpec) { j.CheckpointTriggerNonce = ptr(n) }
	}
	every := func(o *Options) { o.PeriodicCheckpoint = Schedule{Every: time.Hour, text: "every 1h0m0s"} }
	pending := &PendingTrigger{TriggerID: "c1", Type: v1beta1.SnapshotTriggerManual}
	cases := []struct {
		name         string
		want, had    func(*v1beta1.JobSpec)
		opts         func(*Options)
		cps          CheckpointFacts
		sinceDeploy  time.Duration // now - reconciledAt
		kind         ActionKind
		trigger      v1beta1.SnapshotTriggerType
		reason       string
		requeueAfter time.Duration
	}{
		{"nonce set for the first time", nonce(1), nil, nil, CheckpointFacts{}, time.Minute, ActionTriggerCheckpoint, v1beta1.SnapshotTriggerManual, "checkpointTriggerNonce changed", 0},
		{"nonce changed", nonce(2), nonce(1), nil, CheckpointFacts{}, time.Minute, ActionTriggerCheckpoint, v1beta1.SnapshotTriggerManual, "checkpointTriggerNonce changed", 0},
		{"nonce already handled", nonce(2), nonce(2), nil, CheckpointFacts{}, time.Minute, ActionNothing, "", "job running", 0},
		{"nonce removed: nothing to do", nil, nonce(2), nil, CheckpointFacts{}, time.Minute, ActionNothing, "", "job running", 0},
		{"a checkpoint in flight is waited for", nonce(3), nonce(2), nil, CheckpointFacts{Pending: pending}, time.Minute, ActionWait, "", "MANUAL checkpoint c1 in progress", 0},
		{"periodic: first one due an interval after deploy", nil, nil, every, CheckpointFacts{}, 2 * time.Hour, ActionTriggerCheckpoint, v1beta1.SnapshotTriggerPeriodic, "periodic checkpoint due", 0},
		{"periodic: not due yet requeues", nil, nil, every, CheckpointFacts{}, 20 * time.Minute, ActionNothing, "", "job running", 40 * time.Minute},
		{"periodic: due an interval after the last", nil, nil, every, CheckpointFacts{LastPeriodic: t0.Add(30 * time.Minute)}, 2 * time.Hour, ActionTriggerCheckpoint, v1beta1.SnapshotTriggerPeriodic, "every 1h0m0s", 0},
		{"periodic: the last one was recent", nil, nil, every, CheckpointFacts{LastPeriodic: t0.Add(110 * time.Minute)}, 2 * time.Hour, ActionNothing, "", "job running", 50 * time.Minute},
		{"periodic: off by default", nil, nil, nil, CheckpointFacts{}, 100 * time.Hour, ActionNothing, "", "job running", 0},
		{"a periodic savepoint goes first", nil, nil, func(o *Options) { every(o); o.PeriodicSavepoint = Schedule{Every: time.Hour, text: "every 1h0m0s"} },
			CheckpointFacts{}, 2 * time.Hour, ActionTriggerSavepoint, v1beta1.SnapshotTriggerPeriodic, "periodic savepoint", 0},
		{"the sooner schedule sets the requeue", nil, nil, func(o *Options) { every(o); o.PeriodicSavepoint = Schedule{Every: 3 * time.Hour, text: "every 3h0m0s"} },
			CheckpointFacts{}, 20 * time.Minute, ActionNothing, "", "job running", 40 * time.Minute},
	}
	for _, tc := range cases {
		edit := func(f func(*v1beta1.JobSpec)) func(*v1beta1.JobSpec) {
			if f == nil {
				return func(*v1beta1.JobSpec) {}
			}
			return f
		}
		check := func(t *testing.T, a Action) {
			t.Helper()
			if a.Kind != tc.kind || a.TriggerType != tc.trigger || a.RequeueAfter != tc.requeueAfter || !strings.Contains(a.Reason, tc.reason) {
				t.Fatalf("got %s %q requeue %s (%s); want %s %q requeue %s (%s)", a.Kind, a.TriggerType, a.RequeueAfter, a.Reason, tc.kind, tc.trigger, tc.requeueAfter, tc.reason)
			}
		}
		opts := DefaultOptions()
		if tc.opts != nil {
			tc.opts(&opts)
		}
		t.Run("deployment/"+tc.name, func(t *testing.T) {
			want := changed(spec(v1beta1.UpgradeModeSavepoint), func(s *v1beta1.FlinkDeploymentSpec) { edit(tc.want)(s.Job) })
			had := changed(spec(v1beta1.UpgradeModeSavepoint), func(s *v1beta1.FlinkDeploymentSpec) { edit(tc.had)(s.Job) })
			in := mk(want, had, obs(func(o *Observed) { o.Checkpoints = tc.cps }), func(in *Input) {
				in.Options, in.Now = opts, t0.Add(tc.sinceDeploy)
			})
			check(t, Plan(in))
		})
		t.Run("session job/"+tc.name, func(t *testing.T) {
			o := sessionRunning()
			o.Checkpoints = tc.cps
			check(t, PlanSessionJob(SessionJobInput{Desired: sj(sessionJob(v1beta1.UpgradeModeSavepoint), edit(tc.want)),
				LastReconciled: sj(sessionJob(v1beta1.UpgradeModeSavepoint), edit(tc.had)), Observed: o, Options: opts, Now: t0.Add(tc.sinceDeploy)}))
		})
	}
}

// Checkpoints are triggered only from a running job; a stopped one waits.
func TestPlanCheckpointNeedsARunningJob(t *testing.T) {
	want := changed(spec(v1beta1.UpgradeModeSavepoint), func(s *v1beta1.FlinkDeploymentSpec) { s.Job.CheckpointTriggerNonce = ptr[int64](1) })
	a := Plan(mk(want, spec(v1beta1.UpgradeModeSavepoint), obs(func(o *Observed) { o.Job.State = "RESTARTING" })))
	if a.Kind != ActionWait {
		t.Fatalf("got %s (%s); want wait", a.Kind, a.Reason)
	}
	s := PlanSessionJob(SessionJobInput{Desired: sj(sessionJob(v1beta1.UpgradeModeSavepoint), func(j *v1beta1.JobSpec) { j.CheckpointTriggerNonce = ptr[int64](1) }),
		LastReconciled: sessionJob(v1beta1.UpgradeModeSavepoint), Observed: so(func(o *SessionJobObserved) { o.Job.State = "RESTARTING" }), Options: DefaultOptions(), Now: t0})
	if s.Kind != ActionWait {
		t.Fatalf("session job: got %s (%s); want wait", s.Kind, s.Reason)
	}
}

func TestCheckpointOptions(t *testing.T) {
	o, err := DefaultOptions().WithConfig(map[string]string{OptPeriodicCheckpoint: "*/2 * * * * ?", OptCheckpointType: "incremental"})
	if err != nil || o.PeriodicCheckpoint.IsZero() || o.CheckpointType != CheckpointIncremental {
		t.Fatalf("got %+v, %v", o, err)
	}
	if d := DefaultOptions(); d.CheckpointType != CheckpointFull || !d.PeriodicCheckpoint.IsZero() {
		t.Fatalf("defaults: %+v", d)
	}
	for k, v := range map[string]string{OptPeriodicCheckpoint: "every now and then", OptCheckpointType: "SAVEPOINT"} {
		if _, err := DefaultOptions().WithConfig(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: got %v, want an error naming the key", k, v, err)
		}
	}
}
