package app

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/profile"
)

// conditionProfile is the status condition in which the operator records the profile an
// app's accepted spec comes from, as "<profile>@<generation>" (internal/controller's
// ConditionProfile; the CLI does not link the controllers).
const conditionProfile = "Profile"

// Row is one app in `weir app list`, as the table and -o json|yaml show it.
type Row struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Lifecycle string `json:"lifecycle,omitempty"`
	JobState  string `json:"jobState,omitempty"`
	// LastCheckpoint is when the last checkpoint the operator recorded was taken.
	LastCheckpoint *time.Time `json:"lastCheckpoint,omitempty"`
	// Restarts is Flink's numRestarts of the job at the operator's last health sample.
	Restarts *int64 `json:"restarts,omitempty"`
	Profile  string `json:"profile,omitempty"`
	Error    string `json:"error,omitempty"`
}

// RowOf extracts the fleet view of an app.
func RowOf(a App) Row {
	r := Row{Namespace: a.Obj.GetNamespace(), Name: a.Obj.GetName(), Kind: a.Kind,
		Lifecycle: string(a.Status.LifecycleState), JobState: a.Status.JobStatus.State, Error: a.Status.Error,
		Profile: ProfileOf(a)}
	if ci := a.Status.JobStatus.CheckpointInfo; ci != nil && ci.LastCheckpoint != nil && ci.LastCheckpoint.TimeStamp > 0 {
		t := time.UnixMilli(ci.LastCheckpoint.TimeStamp).UTC()
		r.LastCheckpoint = &t
	}
	if d, ok := a.Obj.(*v1beta1.FlinkDeployment); ok {
		if s := lifecycle.ReadHealthSamples(d.Status.ClusterInfo); len(s) > 0 {
			r.Restarts = &s[len(s)-1].NumRestarts
		}
	}
	return r
}

// ProfileOf names the FlinkProfile the app's accepted spec comes from, "" for none.
func ProfileOf(a App) string {
	if c := apimeta.FindStatusCondition(a.Conditions, conditionProfile); c != nil {
		if name, _, ok := profile.Taken(c.Message); ok {
			return name
		}
	}
	return ""
}

// TableWidth is the width tables are fitted to: an 80-column terminal.
const TableWidth = 80

// listColumns are the list's headers and the widest each may print: with two spaces
// between columns the table fits TableWidth. An app's error, which would not fit in a
// column, goes on a line of its own under its row.
var listColumns = []struct {
	header string
	max    int
}{{"NAMESPACE", 10}, {"NAME", 17}, {"KIND", 4}, {"LIFECYCLE", 11}, {"JOB", 9}, {"CKPT", 4}, {"RST", 3}, {"PROFILE", 8}}

// WriteList prints rows as a table fitted to TableWidth, ages measured from now. With
// colour, a failing row is red and one in transition yellow.
func WriteList(w io.Writer, rows []Row, now time.Time, colour bool) error {
	cells := make([][]string, 0, len(rows)+1)
	head := make([]string, len(listColumns))
	maxes := make([]int, len(listColumns))
	for i, c := range listColumns {
		head[i], maxes[i] = c.header, c.max
	}
	cells = append(cells, head)
	for _, r := range rows {
		restarts := "-"
		if r.Restarts != nil {
			restarts = strconv.FormatInt(*r.Restarts, 10)
		}
		ckpt := "-"
		if r.LastCheckpoint != nil {
			ckpt = Age(now.Sub(*r.LastCheckpoint))
		}
		cells = append(cells, []string{r.Namespace, r.Name, shortKind(r.Kind), dash(r.Lifecycle), dash(r.JobState),
			ckpt, restarts, dash(r.Profile)})
	}
	lines, err := fitTable(cells, maxes)
	if err != nil {
		return err
	}
	var b strings.Builder
	for i, line := range lines {
		if i > 0 {
			r := rows[i-1]
			if r.Error != "" {
				line += "\n" + truncate("  error: "+firstLine(r.Error, 500), TableWidth)
			}
			if colour {
				line = paint(r, line)
			}
		}
		b.WriteString(line + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// shortKind keeps the kind column narrow: FD or FSJ.
func shortKind(k string) string {
	switch k {
	case KindDeployment:
		return "FD"
	case KindSessionJob:
		return "FSJ"
	}
	return k
}

// fitTable aligns cells with tabwriter after cutting each column to its maximum width.
func fitTable(cells [][]string, maxes []int) ([]string, error) {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, row := range cells {
		out := make([]string, len(row))
		for i, cell := range row {
			out[i] = truncate(cell, maxes[i])
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return lines, nil
}

// truncate cuts s to n runes, marking the cut with "~".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "~"
}

// Age renders a duration as kubectl does, in at most 4 characters: 45s, 12m, 3h, 9d.
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// ANSI colours for rows on a terminal.
const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

// paint colours a whole line (colour codes inside cells would upset the alignment): red
// for an error or a failed job, yellow while not yet STABLE or RUNNING.
func paint(r Row, line string) string {
	switch {
	case r.Error != "" || r.JobState == jobstate.Failed || r.Lifecycle == string(v1beta1.LifecycleFailed):
		return red + line + reset
	case r.Lifecycle != string(v1beta1.LifecycleStable) && r.Lifecycle != string(v1beta1.LifecycleSuspended):
		return yellow + line + reset
	}
	return line
}

// Complete keeps the names that start with prefix, for shell completion.
func Complete(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
