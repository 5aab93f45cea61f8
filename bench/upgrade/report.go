package upgrade

import (
	"fmt"
	"io"
	"slices"
	"time"

	"weir.dev/weir/internal/status"
)

// Spread is the minimum, median and maximum of one figure over the runs.
type Spread struct {
	Min, Median, Max time.Duration
	N                int
}

// SpreadOf summarizes ds; the zero Spread for none.
func SpreadOf(ds []time.Duration) Spread {
	if len(ds) == 0 {
		return Spread{}
	}
	return Spread{Min: slices.Min(ds), Median: status.Median(ds), Max: slices.Max(ds), N: len(ds)}
}

func (s Spread) String() string {
	if s.N == 0 {
		return "-"
	}
	r := func(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }
	return r(s.Min) + " / " + r(s.Median) + " / " + r(s.Max) + " s"
}

// Ratio is a's median over b's, "-" when either is unknown.
func Ratio(a, b Spread) string {
	if a.N == 0 || b.N == 0 || b.Median <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a.Median.Seconds()/b.Median.Seconds())
}

// Runs are the figures of every run of both parts of the bench.
type Runs struct {
	// Operator: the operator's savepoint upgrade of a FlinkDeployment, seen through Flink's REST.
	Operator []Figures
	// StatusDowntime and StatusGap: the same upgrades as the operator measured them
	// (status.weir.rollouts: status.Downtime and status.Gap).
	StatusDowntime, StatusGap []time.Duration
	// Hand: stop-with-savepoint and a run from the savepoint through Flink's REST API on a
	// session cluster, no operator involved: the limit.
	Hand []Figures
}

func pick(fs []Figures, f func(Figures) time.Duration) Spread {
	ds := make([]time.Duration, 0, len(fs))
	for _, x := range fs {
		ds = append(ds, f(x))
	}
	return SpreadOf(ds)
}

// Write prints the table: each figure's min / median / max for the operator and by hand,
// and the ratio of the medians.
func (r Runs) Write(w io.Writer) error {
	rows := []struct {
		name     string
		op, hand Spread
	}{
		{"request -> new job RUNNING", pick(r.Operator, func(f Figures) time.Duration { return f.Total }), pick(r.Hand, func(f Figures) time.Duration { return f.Total })},
		{"no job RUNNING", pick(r.Operator, func(f Figures) time.Duration { return f.NotRunning }), pick(r.Hand, func(f Figures) time.Duration { return f.NotRunning })},
		{"savepoint -> first checkpoint", pick(r.Operator, func(f Figures) time.Duration { return f.Gap }), pick(r.Hand, func(f Figures) time.Duration { return f.Gap })},
		{"status.weir.rollouts downtime", SpreadOf(r.StatusDowntime), pick(r.Hand, func(f Figures) time.Duration { return f.Total })},
		{"status.weir.rollouts gap", SpreadOf(r.StatusGap), pick(r.Hand, func(f Figures) time.Duration { return f.Gap })},
	}
	if _, err := fmt.Fprintf(w, "%-31s %-26s %-26s %s\n", "figure (min / median / max)", "operator", "by hand (the limit)", "ratio"); err != nil {
		return err
	}
	for _, row := range rows {
		if _, err := fmt.Fprintf(w, "%-31s %-26s %-26s %s\n", row.name, row.op, row.hand, Ratio(row.op, row.hand)); err != nil {
			return err
		}
	}
	return nil
}
