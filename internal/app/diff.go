package app

import (
	"fmt"
	"io"
	"strings"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/status"
)

// Prediction is what `weir diff` expects applying a manifest to do to one resource. It is
// the planner's own answer (lifecycle.Plan, lifecycle.PlanSessionJob) to the resource's
// recorded status and the new spec: nothing here decides anything the planner does not.
type Prediction struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Action: nothing, in-place scale, <mode> upgrade, savepoint redeploy, suspend,
	// resume, first deployment, rollout in progress, blocked or wait.
	Action  string `json:"action"`
	Restart bool   `json:"restart"`
	// AskedMode is job.upgradeMode of the new spec; UpgradeMode the mode really used.
	AskedMode   v1beta1.UpgradeMode `json:"askedUpgradeMode,omitempty"`
	UpgradeMode v1beta1.UpgradeMode `json:"upgradeMode,omitempty"`
	// Reason is the planner's, which says why a mode differs from the one asked for.
	Reason    string `json:"reason"`
	Savepoint bool   `json:"savepoint"`
	// RestartChanges force a restart; OtherChanges do not (scaled in place or recorded).
	RestartChanges []string `json:"restartChanges,omitempty"`
	OtherChanges   []string `json:"otherChanges,omitempty"`
	// ExpectedDowntimeSeconds is the median of the recorded rollouts (status.weir.rollouts);
	// absent without history. DowntimeBasis says which.
	ExpectedDowntimeSeconds *float64 `json:"expectedDowntimeSeconds,omitempty"`
	DowntimeBasis           string   `json:"downtimeBasis"`
	Notes                   []string `json:"notes,omitempty"`
}

// DeploymentFacts is what PredictDeployment needs besides the two objects.
type DeploymentFacts struct {
	HAMetadata bool // Flink's HA ConfigMaps of the cluster hold job data
	Options    lifecycle.Options
	Now        time.Time
}

// PredictDeployment asks the planner what the new spec (desired, as the operator will see
// it: with its profile and the operator's defaults) does to live (nil: it does not exist).
func PredictDeployment(live, desired *v1beta1.FlinkDeployment, f DeploymentFacts) (Prediction, error) {
	p := Prediction{Kind: "FlinkDeployment", Namespace: desired.Namespace, Name: desired.Name}
	if desired.Spec.Job != nil {
		p.AskedMode = desired.Spec.Job.EffectiveUpgradeMode()
	}
	var last, stable *v1beta1.FlinkDeploymentSpec
	var hist []v1beta1.RolloutTiming
	in := lifecycle.Input{Desired: &desired.Spec, Options: f.Options, Now: f.Now}
	if live != nil {
		var err error
		if last, _, err = live.LastReconciledSpec(); err != nil {
			return p, fmt.Errorf("reading lastReconciledSpec: %w", err)
		}
		if stable, err = live.LastStableSpec(); err != nil {
			return p, fmt.Errorf("reading lastStableSpec: %w", err)
		}
		in.LastReconciled, in.LastStable = last, stable
		in.Observed = observedOf(&live.Status, f.HAMetadata)
		hist = status.Rollouts(&live.Status.CommonStatus)
	}
	a := lifecycle.Plan(in)
	var diff lifecycle.SpecDiff
	if last != nil {
		var err error
		if diff, err = lifecycle.DiffDeployment(last, &desired.Spec); err != nil {
			return p, err
		}
	}
	running := live != nil && live.Status.JobStatus.State == jobstate.Running
	fill(&p, a, diff, last == nil, running, hist)
	return p, nil
}

// SessionJobFacts is what PredictSessionJob needs besides the two objects.
type SessionJobFacts struct {
	Options lifecycle.Options
	Now     time.Time
}

// PredictSessionJob is PredictDeployment for a FlinkSessionJob.
func PredictSessionJob(live, desired *v1beta1.FlinkSessionJob, f SessionJobFacts) (Prediction, error) {
	p := Prediction{Kind: "FlinkSessionJob", Namespace: desired.Namespace, Name: desired.Name}
	if desired.Spec.Job != nil {
		p.AskedMode = desired.Spec.Job.EffectiveUpgradeMode()
	}
	in := lifecycle.SessionJobInput{Desired: &desired.Spec, Options: f.Options, Now: f.Now}
	var last *v1beta1.FlinkSessionJobSpec
	var hist []v1beta1.RolloutTiming
	running := false
	if live != nil {
		spec, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](live.Status.ReconciliationStatus.LastReconciledSpec)
		if err != nil {
			return p, fmt.Errorf("reading lastReconciledSpec: %w", err)
		}
		if ok {
			last = &spec
		}
		st := &live.Status.CommonStatus
		running = st.JobStatus.State == jobstate.Running
		o := lifecycle.SessionJobObserved{ClusterReady: running, Reconciliation: st.ReconciliationStatus.State,
			UpgradeSavepointPath: st.JobStatus.UpgradeSavepointPath}
		if st.JobStatus.State != "" {
			o.Job = &lifecycle.JobFacts{ID: st.JobStatus.JobID, State: st.JobStatus.State}
		}
		if running {
			// The operator reads the job's latest checkpoint from Flink; the CLI assumes
			// the running job has one (Flink's checkpoint statistics decide at the time).
			o.LastCheckpointPath = "latest checkpoint"
			p.Notes = append(p.Notes, "last-state assumes the running job has a completed checkpoint; the operator checks it in Flink")
		}
		o.LastSavepoint, o.PendingSavepoint = savepointFactsOf(st.JobStatus.SavepointInfo)
		in.LastReconciled, in.Observed = last, o
		hist = status.Rollouts(st)
	}
	a := lifecycle.PlanSessionJob(in)
	var diff lifecycle.SpecDiff
	if last != nil {
		var err error
		if diff, err = lifecycle.DiffSessionJob(last, &desired.Spec); err != nil {
			return p, err
		}
	}
	fill(&p, a, diff, last == nil, running, hist)
	return p, nil
}

// observedOf turns a FlinkDeployment's recorded status into the planner's facts, as the
// operator last saw them: the cluster runs the recorded spec, the job is as recorded.
func observedOf(st *v1beta1.FlinkDeploymentStatus, ha bool) lifecycle.Observed {
	rs := st.ReconciliationStatus
	o := lifecycle.Observed{
		JobManager: st.JobManagerDeploymentStatus, DeployedSpecCurrent: true, HAMetadata: ha,
		Reconciliation: rs.State, UpgradeSavepointPath: st.JobStatus.UpgradeSavepointPath,
		ReconciledAt: time.UnixMilli(rs.ReconciliationTimestamp),
	}
	if st.JobStatus.State != "" {
		o.Job = &lifecycle.JobFacts{ID: st.JobStatus.JobID, State: st.JobStatus.State}
	}
	o.LastSavepoint, o.PendingSavepoint = savepointFactsOf(st.JobStatus.SavepointInfo)
	return o
}

func savepointFactsOf(si *v1beta1.SavepointInfo) (*lifecycle.Snapshot, *lifecycle.PendingTrigger) {
	if si == nil {
		return nil, nil
	}
	var last *lifecycle.Snapshot
	var pending *lifecycle.PendingTrigger
	if si.LastSavepoint != nil {
		last = &lifecycle.Snapshot{Path: si.LastSavepoint.Location, Time: time.UnixMilli(si.LastSavepoint.TimeStamp)}
	}
	if si.TriggerID != "" {
		pending = &lifecycle.PendingTrigger{TriggerID: si.TriggerID, Type: si.TriggerType}
	}
	return last, pending
}

// fill words the planner's action a for people and machines.
func fill(p *Prediction, a lifecycle.Action, diff lifecycle.SpecDiff, first, running bool, hist []v1beta1.RolloutTiming) {
	p.Reason, p.UpgradeMode = a.Reason, a.UpgradeMode
	for _, c := range diff.Changes {
		if c.Type >= lifecycle.DiffUpgrade {
			p.RestartChanges = append(p.RestartChanges, c.String())
		} else {
			p.OtherChanges = append(p.OtherChanges, c.String())
		}
	}
	rollout := a.Kind == lifecycle.ActionUpgrade || a.Kind == lifecycle.ActionSuspend
	switch {
	case first:
		p.Action = "first deployment"
	case a.Kind == lifecycle.ActionBlocked:
		p.Action = "blocked"
	case a.Kind == lifecycle.ActionWait:
		p.Action = "wait"
	case a.Kind == lifecycle.ActionDeploy && !diff.IsEmpty():
		p.Action = "rollout in progress"
	case diff.IsEmpty():
		p.Action, p.UpgradeMode, rollout = "nothing", "", false
		if p.Reason == "" || a.Kind != lifecycle.ActionNothing {
			p.Reason = "no change to the spec"
		}
	case a.Kind == lifecycle.ActionScale:
		p.Action = "in-place scale"
	case a.Kind == lifecycle.ActionUpgrade && diff.Type == lifecycle.DiffSavepointRedeploy:
		p.Action = "savepoint redeploy"
	case a.Kind == lifecycle.ActionUpgrade:
		p.Action = string(a.UpgradeMode) + " upgrade"
	case a.Kind == lifecycle.ActionSuspend:
		p.Action = "suspend"
	case a.Kind == lifecycle.ActionResume:
		p.Action = "resume"
	default:
		p.Action = "nothing"
		p.UpgradeMode, rollout = "", false
	}
	p.Restart = rollout && a.Kind == lifecycle.ActionUpgrade
	// The planner picks savepoint only for a running job (stop-with-savepoint).
	p.Savepoint = rollout && running && a.UpgradeMode == v1beta1.UpgradeModeSavepoint && diff.Type != lifecycle.DiffSavepointRedeploy
	p.DowntimeBasis = "no restart"
	if p.Restart {
		expectDowntime(p, hist)
	}
}

// expectDowntime is the median downtime of the recorded rollouts in the mode used, else of
// all recorded rollouts.
func expectDowntime(p *Prediction, hist []v1beta1.RolloutTiming) {
	d, n := status.MedianDowntime(hist, p.UpgradeMode)
	basis := fmt.Sprintf("median of the last %d %s rollout(s)", n, p.UpgradeMode)
	if n == 0 {
		d, n = status.MedianDowntime(hist, "")
		basis = fmt.Sprintf("median of the last %d rollout(s), none in %s mode", n, p.UpgradeMode)
	}
	if n == 0 {
		p.DowntimeBasis = "no history yet"
		return
	}
	s := d.Seconds()
	p.ExpectedDowntimeSeconds, p.DowntimeBasis = &s, basis
}

// WritePrediction prints p for people.
func WritePrediction(w io.Writer, p Prediction) {
	fmt.Fprintf(w, "%s %s/%s\n", p.Kind, p.Namespace, p.Name)
	fmt.Fprintf(w, "  action:     %s\n", p.Action)
	if p.UpgradeMode != "" {
		mode := string(p.UpgradeMode)
		if p.AskedMode != "" && p.AskedMode != p.UpgradeMode {
			mode += " (asked: " + string(p.AskedMode) + ")"
		}
		fmt.Fprintf(w, "  mode:       %s\n", mode)
	}
	if p.Reason != "" {
		fmt.Fprintf(w, "  why:        %s\n", p.Reason)
	}
	fmt.Fprintf(w, "  restart:    %s\n", yesNo(p.Restart))
	fmt.Fprintf(w, "  savepoint:  %s\n", yesNo(p.Savepoint))
	if p.ExpectedDowntimeSeconds != nil {
		fmt.Fprintf(w, "  downtime:   ~%s (%s)\n", (time.Duration(*p.ExpectedDowntimeSeconds * float64(time.Second))).Round(100*time.Millisecond), p.DowntimeBasis)
	} else {
		fmt.Fprintf(w, "  downtime:   %s\n", p.DowntimeBasis)
	}
	list := func(title string, xs []string) {
		if len(xs) == 0 {
			return
		}
		fmt.Fprintf(w, "  %s:\n", title)
		for _, x := range xs {
			fmt.Fprintf(w, "    %s\n", x)
		}
	}
	list("changes that restart the job", p.RestartChanges)
	list("changes without a restart", p.OtherChanges)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note: %s\n", strings.TrimSpace(n))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
