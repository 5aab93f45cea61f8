package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobexceptions"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/status"
)

// Description is everything `weir app describe` shows of one app; -o json|yaml prints it.
type Description struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Row       Row    `json:"summary"`
	// Generation and ObservedGeneration tell whether the operator has seen the latest spec.
	Generation         int64  `json:"generation"`
	ObservedGeneration int64  `json:"observedGeneration"`
	JobID              string `json:"jobId,omitempty"`
	JobManager         string `json:"jobManager,omitempty"`
	// EffectiveSpec is the spec the operator last acted on (lastReconciledSpec), with
	// profile and defaults applied; nil before the first reconcile.
	EffectiveSpec any `json:"effectiveSpec,omitempty"`
	// LastStableSpecDiffers lists the fields in which the last stable spec differs from
	// the effective one (what `weir app rollback` would change back).
	LastStableSpecDiffers []string            `json:"lastStableSpecDiffers,omitempty"`
	Savepoints            []v1beta1.Savepoint `json:"savepoints,omitempty"`
	// Rollouts are the timings of the app's recent rollouts (status.weir.rollouts), oldest
	// first.
	Rollouts       []v1beta1.RolloutTiming `json:"rollouts,omitempty"`
	LastCheckpoint *v1beta1.Checkpoint     `json:"lastCheckpoint,omitempty"`
	Events         []DescribedEvent        `json:"events,omitempty"`
	Flink          *FlinkView              `json:"flink,omitempty"`
}

// DescribedEvent is one Event of the app or of its objects.
type DescribedEvent struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Object  string    `json:"object"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
}

// FlinkView is what Flink's REST API says of the job, when it is reachable.
type FlinkView struct {
	URL string `json:"url"`
	// Unreachable says why the REST API could not be asked; the rest is then empty.
	Unreachable string            `json:"unreachable,omitempty"`
	Checkpoints *CheckpointCounts `json:"checkpoints,omitempty"`
	// Exceptions are the job's recent failures, oldest first.
	Exceptions []string `json:"exceptions,omitempty"`
}

// CheckpointCounts are Flink's checkpoint statistics of the job.
type CheckpointCounts struct {
	Completed       int64  `json:"completed"`
	Failed          int64  `json:"failed"`
	InProgress      int64  `json:"inProgress"`
	LatestCompleted string `json:"latestCompleted,omitempty"`
}

// Describe gathers an app's description. It fails only when the app cannot be read; a
// REST API out of reach (the rest Service is in-cluster) is reported in Flink.Unreachable.
func (c *Clients) Describe(ctx context.Context, key types.NamespacedName) (*Description, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return nil, err
	}
	d := &Description{Kind: a.Kind, Namespace: key.Namespace, Name: key.Name, Row: RowOf(a),
		Generation: a.Obj.GetGeneration(), ObservedGeneration: a.Status.ObservedGeneration, JobID: a.Status.JobStatus.JobID}
	rs := a.Status.ReconciliationStatus
	cluster := key.Name
	switch o := a.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		d.JobManager = string(o.Status.JobManagerDeploymentStatus)
		d.EffectiveSpec, d.LastStableSpecDiffers = effectiveSpec[v1beta1.FlinkDeploymentSpec](rs)
	case *v1beta1.FlinkSessionJob:
		cluster = o.Spec.DeploymentName
		d.EffectiveSpec, d.LastStableSpecDiffers = effectiveSpec[v1beta1.FlinkSessionJobSpec](rs)
	}
	d.Savepoints = SavepointsOf(a)
	d.Rollouts = status.Rollouts(a.Status)
	if ci := a.Status.JobStatus.CheckpointInfo; ci != nil {
		d.LastCheckpoint = ci.LastCheckpoint
	}
	if list, err := c.Core.CoreV1().Events(key.Namespace).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range RelatedEvents(list.Items, key.Name, 15) {
			d.Events = append(d.Events, DescribedEvent{Time: eventTime(e).UTC(), Type: e.Type,
				Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Reason: e.Reason, Message: strings.TrimSpace(e.Message)})
		}
	}
	if cluster != "" {
		d.Flink = c.flinkView(ctx, types.NamespacedName{Namespace: key.Namespace, Name: cluster}, d.JobID)
	}
	return d, nil
}

// SavepointsOf is the app's savepoint history in status, oldest first, with the last
// savepoint when the history lacks it.
func SavepointsOf(a App) []v1beta1.Savepoint {
	si := a.Status.JobStatus.SavepointInfo
	if si == nil {
		return nil
	}
	out := append([]v1beta1.Savepoint{}, si.SavepointHistory...)
	if si.LastSavepoint != nil && !hasSavepoint(out, si.LastSavepoint.Location) {
		out = append(out, *si.LastSavepoint)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TimeStamp < out[j].TimeStamp })
	return out
}

// WriteSavepoints prints savepoints oldest first, each location whole (to be copied).
func WriteSavepoints(w io.Writer, sps []v1beta1.Savepoint) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tTRIGGER\tFORMAT\tLOCATION")
	for _, sp := range sps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", time.UnixMilli(sp.TimeStamp).UTC().Format(time.RFC3339), dash(string(sp.TriggerType)), dash(string(sp.FormatType)), sp.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hasSavepoint(sps []v1beta1.Savepoint, location string) bool {
	for _, sp := range sps {
		if sp.Location == location {
			return true
		}
	}
	return false
}

// effectiveSpec decodes lastReconciledSpec and names the fields lastStableSpec differs in.
func effectiveSpec[S any](rs v1beta1.ReconciliationStatus) (any, []string) {
	eff, _, ok, err := v1beta1.ReadSpecWithMeta[S](rs.LastReconciledSpec)
	if !ok || err != nil {
		return nil, nil
	}
	stable, _, ok, err := v1beta1.ReadSpecWithMeta[S](rs.LastStableSpec)
	if !ok || err != nil {
		return eff, nil
	}
	diff, _ := SpecChanges(stable, eff)
	return eff, diff
}

// flinkView asks the cluster's REST API for checkpoint counts and the job's exceptions,
// briefly: from outside the cluster the rest Service is usually out of reach.
func (c *Clients) flinkView(ctx context.Context, cluster types.NamespacedName, jobID string) *FlinkView {
	url, err := c.UIURL(ctx, cluster)
	if err != nil {
		return &FlinkView{Unreachable: err.Error()}
	}
	v := &FlinkView{URL: url}
	if jobID == "" {
		v.Unreachable = "no job id in status yet"
		return v
	}
	fc, err := rest.New(url, rest.WithTimeouts(rest.Timeouts{Default: 3 * time.Second}), rest.WithRetry(rest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		v.Unreachable = err.Error()
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	hist, err := fc.JobExceptions(ctx, jobID, 10)
	if err != nil {
		v.Unreachable = fmt.Sprintf("%v (from outside the cluster its rest Service is usually out of reach: `weir app ui %s` forwards it to localhost)", err, cluster.Name)
		return v
	}
	reports, _ := jobexceptions.Since(hist, 0, 5, jobexceptions.DefaultStackLines)
	for _, r := range reports {
		v.Exceptions = append(v.Exceptions, r.Message)
	}
	if cp, err := fc.Checkpoints(ctx, jobID); err == nil {
		v.Checkpoints = &CheckpointCounts{Completed: cp.Counts.Completed, Failed: cp.Counts.Failed, InProgress: cp.Counts.InProgress}
		if l := cp.Latest.Completed; l != nil {
			v.Checkpoints.LatestCompleted = fmt.Sprintf("#%d at %s, %s", l.ID, time.UnixMilli(l.LatestAckTimestamp).UTC().Format(time.RFC3339), l.ExternalPath)
		}
	}
	return v
}

// WriteDescription prints a description for people.
func WriteDescription(w io.Writer, d *Description, now time.Time) error {
	var b strings.Builder
	r := d.Row
	fmt.Fprintf(&b, "%s %s/%s\n", d.Kind, d.Namespace, d.Name)
	current := "yes"
	if d.ObservedGeneration < d.Generation {
		current = fmt.Sprintf("no: generation %d, operator saw %d", d.Generation, d.ObservedGeneration)
	}
	field := func(k, v string) { fmt.Fprintf(&b, "  %-16s %s\n", k+":", dash(v)) }
	field("lifecycle", r.Lifecycle)
	field("job state", r.JobState)
	field("job id", d.JobID)
	if d.Kind == KindDeployment {
		field("jobmanager", d.JobManager)
	}
	field("profile", r.Profile)
	field("spec seen", current)
	if r.Restarts != nil {
		field("restarts", fmt.Sprint(*r.Restarts))
	}
	if cp := d.LastCheckpoint; cp != nil {
		field("last checkpoint", fmt.Sprintf("%s ago (%s)", Age(now.Sub(time.UnixMilli(cp.TimeStamp))), dash(string(cp.TriggerType))))
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "  error:\n%s\n", indent(r.Error, "    "))
	}
	fmt.Fprintf(&b, "\nSavepoints (%d):\n", len(d.Savepoints))
	for _, sp := range d.Savepoints {
		fmt.Fprintf(&b, "  %s  %-9s %s\n", time.UnixMilli(sp.TimeStamp).UTC().Format(time.RFC3339), dash(string(sp.TriggerType)), sp.Location)
	}
	writeRollouts(&b, d.Rollouts)
	b.WriteString("\nEffective spec (the last one the operator acted on):\n")
	if d.EffectiveSpec == nil {
		b.WriteString("  none yet: the operator has not reconciled it\n")
	} else if y, err := yaml.Marshal(d.EffectiveSpec); err == nil {
		b.WriteString(indent(strings.TrimRight(string(y), "\n"), "  ") + "\n")
	}
	if len(d.LastStableSpecDiffers) > 0 {
		fmt.Fprintf(&b, "  differs from the last stable spec in: %s (`weir app rollback %s` goes back)\n", strings.Join(d.LastStableSpecDiffers, ", "), d.Name)
	}
	fmt.Fprintf(&b, "\nEvents (%d):\n", len(d.Events))
	for _, e := range d.Events {
		fmt.Fprintf(&b, "  %s %-7s %s %s: %s\n", e.Time.Format("15:04:05"), e.Type, e.Object, e.Reason, firstLine(e.Message, 200))
	}
	if f := d.Flink; f != nil {
		b.WriteString("\nFlink")
		if f.URL != "" {
			b.WriteString(" (" + f.URL + ")")
		}
		b.WriteString(":\n")
		if f.Unreachable != "" {
			fmt.Fprintf(&b, "  not asked: %s\n", f.Unreachable)
		}
		if cp := f.Checkpoints; cp != nil {
			fmt.Fprintf(&b, "  checkpoints: %d completed, %d failed, %d in progress; latest %s\n", cp.Completed, cp.Failed, cp.InProgress, dash(cp.LatestCompleted))
		}
		if f.Unreachable == "" && len(f.Exceptions) == 0 {
			b.WriteString("  no exceptions\n")
		}
		for _, e := range f.Exceptions {
			b.WriteString(indent(e, "  ") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}

// writeRollouts prints each recorded rollout on one line: when, what, and its measured
// steps as offsets from its start (stop: savepoint and the old cluster gone; jm: the new
// JobManager answering; running: the new job RUNNING, which ends the downtime; first
// checkpoint), then the gap in the job's progress.
func writeRollouts(b *strings.Builder, rs []v1beta1.RolloutTiming) {
	fmt.Fprintf(b, "\nRollouts (%d, oldest first; offsets from the start):\n", len(rs))
	at := func(e v1beta1.RolloutTiming, t int64) string {
		if t == 0 {
			return "-"
		}
		return (time.Duration(t-e.Started) * time.Millisecond).Round(100 * time.Millisecond).String()
	}
	for _, e := range rs {
		what := string(e.Kind)
		if e.UpgradeMode != "" {
			what += " " + string(e.UpgradeMode)
		}
		fmt.Fprintf(b, "  %s  %-17s savepoint %s  stopped %s  jm %s  running %s  1st checkpoint %s",
			time.UnixMilli(e.Started).UTC().Format(time.RFC3339), what,
			at(e, e.SavepointCompleted), at(e, e.Deployed), at(e, e.JobManagerReady), at(e, e.JobRunning), at(e, e.FirstCheckpoint))
		if down, ok := status.Downtime(e); ok {
			fmt.Fprintf(b, "  downtime %s", down.Round(100*time.Millisecond))
		}
		if gap, ok := status.Gap(e); ok {
			fmt.Fprintf(b, "  gap %s", gap.Round(100*time.Millisecond))
		}
		b.WriteString("\n")
	}
}
