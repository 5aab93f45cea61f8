package app

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"weir.dev/weir/api/v1beta1"
)

// Summary is the one-line view of an app that status tables and waits print.
type Summary struct {
	Name          string
	Lifecycle     string
	JobState      string
	JobID         string
	JobManager    string
	LastSavepoint string
	Error         string
	// Current says whether the operator has seen the latest spec (observedGeneration).
	Current bool
}

// Summarize extracts the fields people look at first (SummarizeApp).
func Summarize(d *v1beta1.FlinkDeployment) Summary { return SummarizeApp(appOf(d)) }

// SummarizeApp extracts the fields people look at first. A session job has no JobManager
// of its own: its column names the session cluster it runs on.
func SummarizeApp(a App) Summary {
	st := a.Status
	s := Summary{
		Name:      a.Obj.GetName(),
		Lifecycle: string(st.LifecycleState),
		JobState:  st.JobStatus.State,
		JobID:     st.JobStatus.JobID,
		Error:     st.Error,
		Current:   st.ObservedGeneration >= a.Obj.GetGeneration(),
	}
	switch o := a.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		s.JobManager = string(o.Status.JobManagerDeploymentStatus)
	case *v1beta1.FlinkSessionJob:
		s.JobManager = "on " + o.Spec.DeploymentName
	}
	if sp := st.JobStatus.SavepointInfo; sp != nil && sp.LastSavepoint != nil {
		s.LastSavepoint = sp.LastSavepoint.Location
		if sp.LastSavepoint.TimeStamp > 0 {
			s.LastSavepoint += " (" + time.UnixMilli(sp.LastSavepoint.TimeStamp).UTC().Format(time.RFC3339) + ")"
		}
	}
	return s
}

// Progress renders the fields a wait prints when they change.
func (s Summary) Progress() string {
	line := fmt.Sprintf("lifecycle=%s job=%s jm=%s", dash(s.Lifecycle), dash(s.JobState), dash(s.JobManager))
	if s.Error != "" {
		line += " error=" + firstLine(s.Error, 160)
	}
	return line
}

// WriteTable prints summaries as an aligned table.
func WriteTable(w io.Writer, rows []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLIFECYCLE\tJOB STATE\tJOB ID\tJM STATUS\tLAST SAVEPOINT\tERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, dash(r.Lifecycle), dash(r.JobState), dash(r.JobID),
			dash(r.JobManager), dash(r.LastSavepoint), dash(firstLine(r.Error, 100)))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// firstLine keeps error columns readable: Flink errors carry whole stack traces.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > max {
		s = s[:max-3] + "..."
	}
	return s
}
