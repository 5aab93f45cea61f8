package lifecycle

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"weir.dev/weir/api/v1beta1"
)

// Schedule is when periodic snapshots are due: every fixed interval, or at the times of a
// cron expression, the two forms FKO accepts for kubernetes.operator.periodic.savepoint.interval.
// The zero Schedule is off.
type Schedule struct {
	Every time.Duration
	cron  cron.Schedule
	text  string
}

// quartz reads Quartz-style expressions as FKO documents them: seconds first, "?" for
// "any", and the descriptors (@daily, @every 6h).
var quartz = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a Flink duration ("6 h", "0" is off) or a Quartz cron expression of
// six fields, or seven with a year field of "*" ("0 0 */6 * * ?").
func ParseSchedule(v string) (Schedule, error) {
	t := strings.TrimSpace(v)
	if d, err := ParseFlinkDuration(t); err == nil {
		return Schedule{Every: d, text: "every " + d.String()}, nil
	}
	fields := strings.Fields(t)
	if len(fields) == 7 {
		if fields[6] != "*" {
			return Schedule{}, fmt.Errorf("cron expression %q: a year field other than * is not supported", v)
		}
		fields = fields[:6]
	}
	s, err := quartz.Parse(strings.Join(fields, " "))
	if err != nil {
		return Schedule{}, fmt.Errorf("%q is neither a duration (\"6 h\") nor a Quartz cron expression (\"0 0 */6 * * ?\"): %w", v, err)
	}
	return Schedule{cron: s, text: "cron " + t}, nil
}

// IsZero says the schedule is off.
func (s Schedule) IsZero() bool { return s.cron == nil && s.Every <= 0 }

// Next is the first due time after last.
func (s Schedule) Next(last time.Time) time.Time {
	if s.cron != nil {
		return s.cron.Next(last)
	}
	return last.Add(s.Every)
}

func (s Schedule) String() string { return s.text }

// duePeriodic says whether a periodic snapshot is due now. last is when the previous one
// was triggered, or zero for none, in which case the schedule runs from since (when the
// running spec was deployed). When not due, wait is how long until it is.
func duePeriodic(s Schedule, last, since, now time.Time) (due bool, wait time.Duration) {
	if s.IsZero() {
		return false, 0
	}
	if last.IsZero() {
		last = since
	}
	next := s.Next(last)
	if next.IsZero() { // a cron expression that never fires again
		return false, 0
	}
	if now.Before(next) {
		return false, next.Sub(now)
	}
	return true, 0
}

// runningJobSnapshots is the last step of planning a running job, the same for both kinds
// of job: a periodic savepoint when one is due; else, with no checkpoint trigger in flight,
// a checkpoint when checkpointTriggerNonce changed (want and had are the desired and the
// recorded job) or a periodic one is due; else nothing until the next one is due.
func runningJobSnapshots(opts Options, want, had *v1beta1.JobSpec, lastPeriodic time.Time, cps CheckpointFacts, reconciledAt, now time.Time) Action {
	due, wait := duePeriodic(opts.PeriodicSavepoint, lastPeriodic, reconciledAt, now)
	if due {
		return Action{Kind: ActionTriggerSavepoint, TriggerType: v1beta1.SnapshotTriggerPeriodic, Reason: "periodic savepoint due (" + opts.PeriodicSavepoint.String() + ")"}
	}
	if cps.Pending != nil {
		return Action{Kind: ActionWait, Reason: fmt.Sprintf("%s checkpoint %s in progress", cps.Pending.Type, cps.Pending.TriggerID)}
	}
	if want != nil && want.CheckpointTriggerNonce != nil && (had == nil || !reflect.DeepEqual(want.CheckpointTriggerNonce, had.CheckpointTriggerNonce)) {
		return Action{Kind: ActionTriggerCheckpoint, TriggerType: v1beta1.SnapshotTriggerManual, Reason: "checkpointTriggerNonce changed"}
	}
	cpDue, cpWait := duePeriodic(opts.PeriodicCheckpoint, cps.LastPeriodic, reconciledAt, now)
	if cpDue {
		return Action{Kind: ActionTriggerCheckpoint, TriggerType: v1beta1.SnapshotTriggerPeriodic, Reason: "periodic checkpoint due (" + opts.PeriodicCheckpoint.String() + ")"}
	}
	if wait == 0 || cpWait > 0 && cpWait < wait {
		wait = cpWait
	}
	return Action{Kind: ActionNothing, Reason: "job running", RequeueAfter: wait}
}
