package status

import (
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

// look is one status seen at second sec of a test's story.
type look struct {
	sec  int64
	rec  v1beta1.ReconciliationState
	ts   int64 // reconciliationTimestamp, in seconds of the story
	mode v1beta1.UpgradeMode
	job  string
	jm   v1beta1.JobManagerDeploymentStatus
	upSP int64 // an UPGRADE savepoint completed at (s)
	cp   *RolloutCheckpoints
}

func ms(sec int64) int64 { return time.Unix(sec, 0).UnixMilli() }

func recorded(t *testing.T, mode v1beta1.UpgradeMode) string {
	t.Helper()
	s, err := v1beta1.WriteSpecWithMeta(v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{UpgradeMode: mode}}, v1beta1.ReconciliationMetadata{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func play(t *testing.T, hist []v1beta1.RolloutTiming, looks []look) []v1beta1.RolloutTiming {
	t.Helper()
	for _, l := range looks {
		st := v1beta1.CommonStatus{
			JobStatus: v1beta1.JobStatus{State: l.job},
			ReconciliationStatus: v1beta1.ReconciliationStatus{State: l.rec, ReconciliationTimestamp: ms(l.ts),
				LastReconciledSpec: recorded(t, l.mode)},
		}
		if l.upSP != 0 {
			st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{TimeStamp: ms(l.upSP), TriggerType: v1beta1.SnapshotTriggerUpgrade}}
		}
		hist = TrackRollouts(hist, RolloutLook{Now: time.Unix(l.sec, 0), Common: &st, JobManager: l.jm, Checkpoints: l.cp})
	}
	return hist
}

const (
	up  = v1beta1.ReconciliationUpgrading
	dep = v1beta1.ReconciliationDeployed
	rb  = v1beta1.ReconciliationRollingBack
	rbd = v1beta1.ReconciliationRolledBack
	sp  = v1beta1.UpgradeModeSavepoint
	ls  = v1beta1.UpgradeModeLastState
)

func TestTrackRollouts(t *testing.T) {
	stable := look{sec: 50, rec: dep, ts: 10, mode: sp, job: "RUNNING", jm: v1beta1.JMReady}
	cases := []struct {
		name  string
		hist  []v1beta1.RolloutTiming
		looks []look
		want  []v1beta1.RolloutTiming
	}{
		{"a stable app records nothing", nil, []look{stable, stable}, nil},
		{"savepoint upgrade: every step, once, in order", nil, []look{
			stable,
			{sec: 100, rec: up, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady},                   // recorded, savepoint triggered
			{sec: 105, rec: up, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady},                   // savepoint pending
			{sec: 110, rec: up, ts: 100, mode: sp, job: "FINISHED", jm: v1beta1.JMReady, upSP: 108},       // savepoint done
			{sec: 115, rec: dep, ts: 100, mode: sp, job: "RECONCILING", jm: v1beta1.JMMissing, upSP: 108}, // new cluster applied
			{sec: 125, rec: dep, ts: 100, mode: sp, job: "CREATED", jm: v1beta1.JMReady, upSP: 108},       // JobManager answers
			{sec: 130, rec: dep, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady, upSP: 108},       // job runs
			{sec: 135, rec: dep, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady, cp: &RolloutCheckpoints{Restored: ms(129)}},
			{sec: 150, rec: dep, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady, cp: &RolloutCheckpoints{Restored: ms(129), FirstCompleted: ms(140), LatestCompleted: ms(148)}},
			{sec: 160, rec: dep, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady, cp: &RolloutCheckpoints{Restored: ms(129), FirstCompleted: ms(150), LatestCompleted: ms(158)}}, // closed: nothing moves
		}, []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: sp, Started: ms(100), SavepointCompleted: ms(108),
			Deployed: ms(115), JobManagerReady: ms(125), JobRunning: ms(130), Restored: ms(129), FirstCheckpoint: ms(140)}}},
		{"last-state: a RUNNING of the old job before the new one is applied does not count", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady},
			{sec: 102, rec: up, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMDeploying}, // old pods going
			{sec: 104, rec: dep, ts: 100, mode: ls, job: "RECONCILING", jm: v1beta1.JMMissing},
			{sec: 106, rec: dep, ts: 100, mode: ls, job: "RECONCILING", jm: v1beta1.JMDeploying},
			{sec: 112, rec: dep, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady},
		}, []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: ls, Started: ms(100), Deployed: ms(104), JobManagerReady: ms(112), JobRunning: ms(112)}}},
		{"an old upgrade savepoint is not this rollout's", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady, upSP: 40},
		}, []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: sp, Started: ms(100)}}},
		{"a resume (the job did not run) is no rollout", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: sp, job: "SUSPENDED", jm: v1beta1.JMMissing},
			{sec: 110, rec: dep, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady},
		}, nil},
		{"a first deployment is no rollout", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: sp, job: "", jm: v1beta1.JMMissing},
		}, nil},
		{"a rollback is a rollout even of a job that does not run; the failed upgrade stays unfinished", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: sp, job: "RUNNING", jm: v1beta1.JMReady},
			{sec: 110, rec: dep, ts: 100, mode: sp, job: "RECONCILING", jm: v1beta1.JMDeploying},
			{sec: 200, rec: rb, ts: 200, mode: sp, job: "RECONCILING", jm: v1beta1.JMDeploying},
			{sec: 210, rec: rbd, ts: 200, mode: sp, job: "RECONCILING", jm: v1beta1.JMDeploying},
			{sec: 220, rec: rbd, ts: 200, mode: sp, job: "RUNNING", jm: v1beta1.JMReady},
		}, []v1beta1.RolloutTiming{
			{Kind: v1beta1.RolloutUpgrade, UpgradeMode: sp, Started: ms(100), Deployed: ms(110)},
			{Kind: v1beta1.RolloutRollback, UpgradeMode: sp, Started: ms(200), Deployed: ms(210), JobManagerReady: ms(220), JobRunning: ms(220)},
		}},
		{"a session job has no JobManager of its own", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: sp, job: "RUNNING"},
			{sec: 110, rec: dep, ts: 100, mode: sp, job: "RUNNING"},
		}, []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: sp, Started: ms(100), Deployed: ms(110), JobRunning: ms(110)}}},
		{"the history keeps the newest five", []v1beta1.RolloutTiming{{Started: 1}, {Started: 2}, {Started: 3}, {Started: 4}, {Started: 5}}, []look{
			{sec: 100, rec: up, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady},
		}, []v1beta1.RolloutTiming{{Started: 2}, {Started: 3}, {Started: 4}, {Started: 5}, {Kind: v1beta1.RolloutUpgrade, UpgradeMode: ls, Started: ms(100)}}},
		{"a job without checkpoints is let go after a while", nil, []look{
			{sec: 100, rec: up, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady},
			{sec: 104, rec: dep, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady},
			{sec: 2000, rec: dep, ts: 100, mode: ls, job: "RUNNING", jm: v1beta1.JMReady, cp: &RolloutCheckpoints{LatestCompleted: ms(1990)}},
		}, []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: ls, Started: ms(100), Deployed: ms(104), JobManagerReady: ms(104), JobRunning: ms(104)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := play(t, tc.hist, tc.looks)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("entry %d: got %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestRolloutDurations(t *testing.T) {
	e := v1beta1.RolloutTiming{Started: ms(100), SavepointCompleted: ms(108), JobRunning: ms(130), FirstCheckpoint: ms(140)}
	if d, ok := Downtime(e); !ok || d != 30*time.Second {
		t.Errorf("downtime %v %v", d, ok)
	}
	if d, ok := Gap(e); !ok || d != 32*time.Second {
		t.Errorf("gap from the savepoint: %v %v", d, ok)
	}
	e.SavepointCompleted = 0
	if d, ok := Gap(e); !ok || d != 40*time.Second {
		t.Errorf("gap from the start: %v %v", d, ok)
	}
	if _, ok := Downtime(v1beta1.RolloutTiming{Started: 1}); ok {
		t.Error("an unfinished rollout has no downtime")
	}
}

func TestMedianDowntime(t *testing.T) {
	run := func(mode v1beta1.UpgradeMode, secs int64) v1beta1.RolloutTiming {
		return v1beta1.RolloutTiming{UpgradeMode: mode, Started: ms(0), JobRunning: ms(secs)}
	}
	hist := []v1beta1.RolloutTiming{run(sp, 30), run(ls, 10), run(sp, 50), run(sp, 20), {UpgradeMode: sp, Started: 5}}
	cases := []struct {
		mode v1beta1.UpgradeMode
		want time.Duration
		n    int
	}{
		{sp, 30 * time.Second, 3},
		{ls, 10 * time.Second, 1},
		{"", 25 * time.Second, 4},
		{v1beta1.UpgradeModeStateless, 0, 0},
	}
	for _, tc := range cases {
		if got, n := MedianDowntime(hist, tc.mode); got != tc.want || n != tc.n {
			t.Errorf("%q: got %v over %d, want %v over %d", tc.mode, got, n, tc.want, tc.n)
		}
	}
}
