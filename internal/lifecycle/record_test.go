package lifecycle

import (
	"testing"

	"weir.dev/weir/api/v1beta1"
)

// With nothing to roll out, the planner says what to record without a restart: the
// desired spec, but with the recorded trigger nonces (a new nonce counts as handled only
// once its trigger is accepted) and, for a session job, the recorded upgrade mode.
func TestPlanRecordsWithoutARestart(t *testing.T) {
	sp := v1beta1.UpgradeModeSavepoint
	nonces := func(sn, cn int64) func(*v1beta1.FlinkDeploymentSpec) {
		return func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.SavepointTriggerNonce, s.Job.CheckpointTriggerNonce = ptr(sn), ptr(cn)
		}
	}
	operatorKey := func(s *v1beta1.FlinkDeploymentSpec) {
		withConf(s, "kubernetes.operator.savepoint.history.max.count", "3")
	}
	failed := obs(failedJob)
	cases := []struct {
		name         string
		in           Input
		kind         ActionKind
		record       bool
		sn, cn       int64
		recordsLimit bool // the operator key reaches the record
	}{
		{"steady: the same spec", mk(changed(spec(sp), nonces(1, 1)), changed(spec(sp), nonces(1, 1)), running()), ActionNothing, true, 1, 1, false},
		{"an operator key is recorded without a restart", mk(changed(changed(spec(sp), nonces(1, 1)), operatorKey), changed(spec(sp), nonces(1, 1)), running()), ActionNothing, true, 1, 1, true},
		{"new nonces on a failed job are not marked handled", mk(changed(spec(sp), nonces(2, 5)), changed(spec(sp), nonces(1, 1)), failed), ActionNothing, true, 1, 1, false},
		{"a new savepoint nonce on a running job is a trigger, not a record", mk(changed(spec(sp), nonces(2, 1)), changed(spec(sp), nonces(1, 1)), running()), ActionTriggerSavepoint, false, 0, 0, false},
		{"first deploy has no record", mk(spec(sp), nil, Observed{JobManager: v1beta1.JMMissing}), ActionDeploy, false, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Plan(tc.in)
			if a.Kind != tc.kind {
				t.Fatalf("kind %s (%s), want %s", a.Kind, a.Reason, tc.kind)
			}
			if (a.Record != nil) != tc.record {
				t.Fatalf("record %v, want %v", a.Record != nil, tc.record)
			}
			if a.Record == nil {
				return
			}
			if *a.Record.Job.SavepointTriggerNonce != tc.sn || *a.Record.Job.CheckpointTriggerNonce != tc.cn {
				t.Fatalf("recorded nonces %d/%d, want %d/%d", *a.Record.Job.SavepointTriggerNonce, *a.Record.Job.CheckpointTriggerNonce, tc.sn, tc.cn)
			}
			flat, err := a.Record.FlinkConfiguration.Flatten()
			if err != nil {
				t.Fatal(err)
			}
			if got := flat["kubernetes.operator.savepoint.history.max.count"] == "3"; got != tc.recordsLimit {
				t.Fatalf("operator key recorded %v, want %v", got, tc.recordsLimit)
			}
			if a.Record == tc.in.Desired {
				t.Fatal("the record must be a copy, never the desired spec itself")
			}
		})
	}
}

func TestPlanSessionJobRecordsWithoutARestart(t *testing.T) {
	sp, ls := v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState
	last := sj(sessionJob(ls), func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = ptr(int64(1)) })
	// The desired spec names another upgrade mode and a new nonce; the job has finished,
	// so nothing is triggered or rolled out.
	desired := sj(sessionJob(sp), func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = ptr(int64(2)) })
	a := PlanSessionJob(SessionJobInput{Desired: desired, LastReconciled: last, Observed: so(func(o *SessionJobObserved) { o.Job.State = "FINISHED" }), Options: DefaultOptions(), Now: t0})
	if a.Kind != ActionNothing || a.SessionRecord == nil {
		t.Fatalf("got %s record=%v (%s), want nothing with a record", a.Kind, a.SessionRecord != nil, a.Reason)
	}
	if a.SessionRecord.Job.UpgradeMode != ls || *a.SessionRecord.Job.SavepointTriggerNonce != 1 {
		t.Fatalf("recorded mode %s nonce %d, want the recorded %s and 1", a.SessionRecord.Job.UpgradeMode, *a.SessionRecord.Job.SavepointTriggerNonce, ls)
	}
	if first := PlanSessionJob(SessionJobInput{Desired: desired, Observed: SessionJobObserved{ClusterReady: true}, Options: DefaultOptions(), Now: t0}); first.SessionRecord != nil {
		t.Fatal("a first submission has no record")
	}
}
