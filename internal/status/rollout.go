package status

import (
	"slices"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// RolloutHistoryLimit is how many rollouts status.weir.rollouts keeps.
const RolloutHistoryLimit = 5

// firstCheckpointWait is how long after the new job runs its first checkpoint is watched
// for; a job without checkpointing then stops being asked.
const firstCheckpointWait = 10 * time.Minute

// RolloutCheckpoints is what Flink's checkpoint statistics say about the job now running
// (epoch ms, 0 unknown).
type RolloutCheckpoints struct {
	Restored        int64 // latest.restored.restore_timestamp
	FirstCompleted  int64 // the oldest completed checkpoint the statistics still hold
	LatestCompleted int64
}

// RolloutLook is one look at a resource's status, after the loop's own changes.
type RolloutLook struct {
	Now    time.Time
	Common *v1beta1.CommonStatus
	// JobManager is the JobManager Deployment's state; "" for a session job (none of its own).
	JobManager v1beta1.JobManagerDeploymentStatus
	// Checkpoints is nil when the statistics were not read in this look.
	Checkpoints *RolloutCheckpoints
}

// TrackRollouts returns the rollout history updated with what this look shows. A rollout
// starts an entry when it is recorded (reconciliation UPGRADING or ROLLING_BACK, a new
// reconciliationTimestamp) while the old job still runs, or for any rollback; each step is
// timed the first time it is seen. Only the newest entry is updated, and only while it is
// open (RolloutOpen). The history is only ever read by people, diff and metrics: it never
// feeds the planner, so measuring cannot change what the lifecycle does.
func TrackRollouts(hist []v1beta1.RolloutTiming, l RolloutLook) []v1beta1.RolloutTiming {
	out := append([]v1beta1.RolloutTiming(nil), hist...)
	rs := l.Common.ReconciliationStatus
	now := l.Now.UnixMilli()
	if rolling(rs.State) && !hasRollout(out, rs.ReconciliationTimestamp) {
		kind := v1beta1.RolloutUpgrade
		if rs.State == v1beta1.ReconciliationRollingBack {
			kind = v1beta1.RolloutRollback
		}
		if kind == v1beta1.RolloutRollback || l.Common.JobStatus.State == jobstate.Running {
			out = append(out, v1beta1.RolloutTiming{Kind: kind, UpgradeMode: recordedMode(rs.LastReconciledSpec), Started: rs.ReconciliationTimestamp})
			if len(out) > RolloutHistoryLimit {
				out = out[len(out)-RolloutHistoryLimit:]
			}
		}
	}
	if len(out) == 0 || !RolloutOpen(out[len(out)-1], l.Now) {
		return out
	}
	e := &out[len(out)-1]
	setOnce := func(f *int64, v int64) {
		if *f == 0 && v >= e.Started {
			*f = v
		}
	}
	if si := l.Common.JobStatus.SavepointInfo; si != nil && si.LastSavepoint != nil && si.LastSavepoint.TriggerType == v1beta1.SnapshotTriggerUpgrade {
		setOnce(&e.SavepointCompleted, si.LastSavepoint.TimeStamp)
	}
	if !rolling(rs.State) {
		setOnce(&e.Deployed, now)
	}
	if e.Deployed == 0 {
		return out // the old job's states say nothing about the new one
	}
	if l.JobManager == v1beta1.JMReady {
		setOnce(&e.JobManagerReady, now)
	}
	if l.Common.JobStatus.State == jobstate.Running && (l.JobManager == "" || l.JobManager == v1beta1.JMReady) {
		setOnce(&e.JobRunning, now)
	}
	if cp := l.Checkpoints; cp != nil && e.JobRunning != 0 {
		setOnce(&e.Restored, cp.Restored)
		first := cp.FirstCompleted
		if first == 0 {
			first = cp.LatestCompleted
		}
		setOnce(&e.FirstCheckpoint, first)
	}
	return out
}

// RolloutOpen says whether a rollout's timings may still change: until its new job runs,
// then until its first checkpoint or firstCheckpointWait.
func RolloutOpen(e v1beta1.RolloutTiming, now time.Time) bool {
	if e.JobRunning == 0 {
		return true
	}
	return e.FirstCheckpoint == 0 && now.Before(time.UnixMilli(e.JobRunning).Add(firstCheckpointWait))
}

// WantsCheckpoints says whether a look should read the running job's checkpoint
// statistics for the newest rollout: it runs and its restore or first checkpoint is unknown.
func WantsCheckpoints(st *v1beta1.CommonStatus, now time.Time) bool {
	if st.Weir == nil || len(st.Weir.Rollouts) == 0 {
		return false
	}
	e := st.Weir.Rollouts[len(st.Weir.Rollouts)-1]
	return e.JobRunning != 0 && RolloutOpen(e, now)
}

// SetRollouts stores hist in st, leaving st untouched when there is nothing to store.
func SetRollouts(st *v1beta1.CommonStatus, hist []v1beta1.RolloutTiming) {
	if len(hist) == 0 && st.Weir == nil {
		return
	}
	if st.Weir == nil {
		st.Weir = &v1beta1.WeirStatus{}
	}
	st.Weir.Rollouts = hist
}

// Rollouts returns st's rollout history.
func Rollouts(st *v1beta1.CommonStatus) []v1beta1.RolloutTiming {
	if st.Weir == nil {
		return nil
	}
	return st.Weir.Rollouts
}

// Downtime is how long a finished rollout kept the job from running: from its start to
// the new job RUNNING; false while that is not known.
func Downtime(e v1beta1.RolloutTiming) (time.Duration, bool) {
	if e.JobRunning == 0 {
		return 0, false
	}
	return time.Duration(e.JobRunning-e.Started) * time.Millisecond, true
}

// Gap is how far the job's progress was interrupted: from the old job's last snapshot
// known to weir (the upgrade savepoint, else the rollout's start: a lower bound, the old
// job's last checkpoint came at most one interval earlier) to the new job's first
// completed checkpoint.
func Gap(e v1beta1.RolloutTiming) (time.Duration, bool) {
	if e.FirstCheckpoint == 0 {
		return 0, false
	}
	from := e.Started
	if e.SavepointCompleted != 0 {
		from = e.SavepointCompleted
	}
	return time.Duration(e.FirstCheckpoint-from) * time.Millisecond, true
}

// MedianDowntime is the median downtime of the finished rollouts in hist that used mode
// (any mode when mode is ""), with how many there were.
func MedianDowntime(hist []v1beta1.RolloutTiming, mode v1beta1.UpgradeMode) (time.Duration, int) {
	var ds []time.Duration
	for _, e := range hist {
		if d, ok := Downtime(e); ok && (mode == "" || e.UpgradeMode == mode) {
			ds = append(ds, d)
		}
	}
	return Median(ds), len(ds)
}

// Median is the median of ds (the mean of the two middle ones for an even count), 0 for
// none; ds is left as it was.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func rolling(s v1beta1.ReconciliationState) bool {
	return s == v1beta1.ReconciliationUpgrading || s == v1beta1.ReconciliationRollingBack
}

func hasRollout(hist []v1beta1.RolloutTiming, started int64) bool {
	for _, e := range hist {
		if e.Started == started {
			return true
		}
	}
	return false
}

// recordedMode is the upgrade mode of a recorded spec of either kind ("" without a job).
func recordedMode(recorded string) v1beta1.UpgradeMode {
	spec, _, ok, err := v1beta1.ReadSpecWithMeta[struct {
		Job *v1beta1.JobSpec `json:"job,omitempty"`
	}](recorded)
	if err != nil || !ok || spec.Job == nil {
		return ""
	}
	return spec.Job.EffectiveUpgradeMode()
}
