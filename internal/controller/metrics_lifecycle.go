package controller

import (
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// The lifecycle metrics follow FKO's resource.lifecycle.metrics: the time an app spends in
// each lifecycleState, and the time of the named transitions below. An app's track lives
// in memory and is fed by each status write (patchStatus), so the leader measures what it
// does; a restart of the operator starts each track afresh, measuring nothing it missed.

// lifecycleTransition is one measured way from one state to another. fromEntry measures
// from when "from" was entered (Stabilization: the whole time DEPLOYED); otherwise from
// when it was left (Upgrade: from the moment STABLE was left to STABLE again).
type lifecycleTransition struct {
	from, to  v1beta1.ResourceLifecycleState
	fromEntry bool
	name      string
}

var lifecycleTransitions = []lifecycleTransition{
	{v1beta1.LifecycleSuspended, v1beta1.LifecycleStable, false, "Resume"},
	{v1beta1.LifecycleStable, v1beta1.LifecycleStable, false, "Upgrade"},
	{v1beta1.LifecycleStable, v1beta1.LifecycleSuspended, false, "Suspend"},
	{v1beta1.LifecycleDeployed, v1beta1.LifecycleSuspended, false, "Suspend"},
	{v1beta1.LifecycleRolledBack, v1beta1.LifecycleSuspended, false, "Suspend"},
	{v1beta1.LifecycleUpgrading, v1beta1.LifecycleDeployed, true, "Submission"},
	{v1beta1.LifecycleRollingBack, v1beta1.LifecycleRolledBack, true, "Submission"},
	{v1beta1.LifecycleDeployed, v1beta1.LifecycleStable, true, "Stabilization"},
	{v1beta1.LifecycleDeployed, v1beta1.LifecycleRolledBack, true, "Rollback"},
}

// settled states end an episode: the times of the states before are forgotten.
func settled(s v1beta1.ResourceLifecycleState) bool {
	switch s {
	case v1beta1.LifecycleStable, v1beta1.LifecycleSuspended, v1beta1.LifecycleRolledBack, v1beta1.LifecycleFailed:
		return true
	}
	return false
}

type stateTimes struct{ entered, left time.Time }

// lifecycleTrack is what is known of one app's recent states and job.
type lifecycleTrack struct {
	state v1beta1.ResourceLifecycleState
	times map[v1beta1.ResourceLifecycleState]*stateTimes // since the last settled state

	jobRunning bool
	downSince  time.Time // when the job left RUNNING; zero while it runs
	rollout    bool      // the operator was upgrading or rolling back while the job was down
	suspended  bool      // … or the app was suspended: its downtime is the user's, not a rollout's
}

// lifecycleObservation is one measurement to record: kind "state" (name: the state left),
// "transition" (name: the transition) or "downtime".
type lifecycleObservation struct {
	kind, name string
	seconds    float64
}

func newLifecycleTrack(state v1beta1.ResourceLifecycleState, job string, now time.Time) *lifecycleTrack {
	state = lifecycleStateOrCreated(state)
	return &lifecycleTrack{state: state, jobRunning: job == jobstate.Running,
		times: map[v1beta1.ResourceLifecycleState]*stateTimes{state: {entered: now}}}
}

// update takes the state and job state of a status just written and returns what to record.
func (t *lifecycleTrack) update(state v1beta1.ResourceLifecycleState, job string, now time.Time) []lifecycleObservation {
	var out []lifecycleObservation
	state = lifecycleStateOrCreated(state)
	if state != t.state {
		prev := t.times[t.state]
		prev.left = now
		out = append(out, lifecycleObservation{"state", string(t.state), now.Sub(prev.entered).Seconds()})
		for _, tr := range lifecycleTransitions {
			from, ok := t.times[tr.from]
			if tr.to != state || !ok || from.left.IsZero() {
				continue
			}
			since := from.left
			if tr.fromEntry {
				since = from.entered
			}
			out = append(out, lifecycleObservation{"transition", tr.name, now.Sub(since).Seconds()})
		}
		if settled(state) {
			clear(t.times)
		}
		t.times[state] = &stateTimes{entered: now}
		t.state = state
	}
	return append(out, t.updateJob(state, job, now)...)
}

// updateJob measures a rollout's downtime: from the job leaving RUNNING to RUNNING again,
// when the operator upgraded or rolled back in between (not when the user suspended it).
func (t *lifecycleTrack) updateJob(state v1beta1.ResourceLifecycleState, job string, now time.Time) []lifecycleObservation {
	running := job == jobstate.Running
	switch {
	case running && !t.downSince.IsZero():
		var out []lifecycleObservation
		if t.rollout && !t.suspended {
			out = append(out, lifecycleObservation{"downtime", "", now.Sub(t.downSince).Seconds()})
		}
		t.downSince, t.rollout, t.suspended = time.Time{}, false, false
		t.jobRunning = true
		return out
	case !running && t.jobRunning:
		t.downSince, t.jobRunning = now, false
	}
	if !t.downSince.IsZero() {
		switch state {
		case v1beta1.LifecycleUpgrading, v1beta1.LifecycleRollingBack, v1beta1.LifecycleDeployed:
			t.rollout = true
		case v1beta1.LifecycleSuspended:
			t.suspended = true
		}
	}
	t.jobRunning = running
	return nil
}

// lifecycleStateOrCreated: a resource the operator has not summarized yet is CREATED.
func lifecycleStateOrCreated(s v1beta1.ResourceLifecycleState) v1beta1.ResourceLifecycleState {
	if s == "" {
		return v1beta1.LifecycleCreated
	}
	return s
}
