package upgrade

import (
	"errors"
	"strings"
	"testing"
	"time"

	flinkrest "weir.dev/weir/internal/flink/rest"
)

func at(sec float64) time.Time { return time.UnixMilli(int64(sec * 1000)) }

func TestFigures(t *testing.T) {
	full := Times{Requested: at(100), OldRunningUntil: at(103), SavepointDone: at(102.5), NewRunning: at(130), FirstCheckpoint: at(135)}
	for _, tc := range []struct {
		name string
		in   Times
		want Figures
		err  string
	}{
		{"every moment", full, Figures{Total: 30 * time.Second, NotRunning: 27 * time.Second, Gap: 32500 * time.Millisecond}, ""},
		{"savepoint unseen: the old job's end stands in", func() Times { x := full; x.SavepointDone = time.Time{}; return x }(),
			Figures{Total: 30 * time.Second, NotRunning: 27 * time.Second, Gap: 32 * time.Second}, ""},
		{"no new job", func() Times { x := full; x.NewRunning = time.Time{}; return x }(), Figures{}, "new job RUNNING was not seen"},
		{"no checkpoint", func() Times { x := full; x.FirstCheckpoint = time.Time{}; return x }(), Figures{}, "first checkpoint was not seen"},
		{"new job before the old one ended", func() Times { x := full; x.NewRunning = at(102); return x }(), Figures{}, "out of order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Figures()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func job(id string, s flinkrest.JobStatus, end float64) flinkrest.JobOverview {
	return flinkrest.JobOverview{ID: id, State: s, EndTime: at(end).UnixMilli()}
}

func TestFollow(t *testing.T) {
	f := Follow{Old: "old"}
	polls := []struct {
		at   float64
		jobs []flinkrest.JobOverview
	}{
		{1, []flinkrest.JobOverview{job("old", flinkrest.JobRunning, 0)}},
		{2, []flinkrest.JobOverview{job("old", flinkrest.JobRunning, 0)}},
		{3, nil}, // the JobManager between two: nothing listed
		{4, []flinkrest.JobOverview{job("old", flinkrest.JobFinished, 2.4)}},
		{5, []flinkrest.JobOverview{job("old", flinkrest.JobFinished, 2.4), job("new", flinkrest.JobCreated, 0)}},
	}
	for _, p := range polls {
		if err := f.Observe(at(p.at), p.jobs); err != nil {
			t.Fatal(err)
		}
	}
	if !f.OldEnded || !f.OldRunningUntil.Equal(at(2.4)) || f.New != "new" || f.NewRunningSeen {
		t.Fatalf("after the old job ended and the new one was created: %+v", f)
	}
	if err := f.Observe(at(6), []flinkrest.JobOverview{job("new", flinkrest.JobRunning, 0)}); err != nil || !f.NewRunningSeen {
		t.Fatalf("new job RUNNING not seen: %+v, %v", f, err)
	}
	if err := f.Observe(at(7), []flinkrest.JobOverview{job("new", flinkrest.JobRunning, 0), job("other", flinkrest.JobRunning, 0)}); !errors.Is(err, ErrTwoNewJobs) {
		t.Fatalf("two new jobs: %v", err)
	}

	// The old JobManager gone before its job was seen ended: the last poll that saw it RUNNING.
	g := Follow{Old: "old"}
	for _, p := range polls[:3] {
		if err := g.Observe(at(p.at), p.jobs); err != nil {
			t.Fatal(err)
		}
	}
	if g.OldEnded || !g.OldRunningUntil.Equal(at(2)) {
		t.Fatalf("old job last seen RUNNING at 2: %+v", g)
	}
}

func TestFirstCompleted(t *testing.T) {
	cp := &flinkrest.CheckpointStats{}
	if !FirstCompleted(cp).IsZero() {
		t.Fatal("no checkpoint yet must be zero")
	}
	cp.History = []flinkrest.CheckpointSummary{
		{ID: 3, Status: flinkrest.CheckpointInProgress},
		{ID: 2, Status: flinkrest.CheckpointCompleted, LatestAckTimestamp: at(20).UnixMilli()},
		{ID: 1, Status: flinkrest.CheckpointCompleted, LatestAckTimestamp: at(10).UnixMilli()},
		{ID: 0, Status: flinkrest.CheckpointCompleted, IsSavepoint: true, LatestAckTimestamp: at(5).UnixMilli()},
	}
	cp.Latest.Completed = &cp.History[1]
	if got := FirstCompleted(cp); !got.Equal(at(10)) {
		t.Fatalf("first completed %v, want the checkpoint at 10s", got)
	}
}

func TestReport(t *testing.T) {
	s := SpreadOf([]time.Duration{3 * time.Second, time.Second, 2 * time.Second, 10 * time.Second})
	if s.Min != time.Second || s.Max != 10*time.Second || s.Median != 2500*time.Millisecond || s.N != 4 {
		t.Fatalf("spread %+v", s)
	}
	if got := Ratio(SpreadOf([]time.Duration{30 * time.Second}), SpreadOf([]time.Duration{10 * time.Second})); got != "3.00" {
		t.Fatalf("ratio %s", got)
	}
	if got := Ratio(SpreadOf(nil), s); got != "-" {
		t.Fatalf("ratio of nothing %s", got)
	}
	r := Runs{
		Operator:       []Figures{{Total: 40 * time.Second, NotRunning: 35 * time.Second, Gap: 45 * time.Second}},
		StatusDowntime: []time.Duration{38 * time.Second},
		Hand:           []Figures{{Total: 4 * time.Second, NotRunning: 2 * time.Second, Gap: 9 * time.Second}},
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"request -> new job RUNNING      40.0 / 40.0 / 40.0 s       4.0 / 4.0 / 4.0 s          10.00",
		"no job RUNNING                  35.0 / 35.0 / 35.0 s       2.0 / 2.0 / 2.0 s          17.50",
		"status.weir.rollouts downtime   38.0 / 38.0 / 38.0 s       4.0 / 4.0 / 4.0 s          9.50",
		"status.weir.rollouts gap        -                          9.0 / 9.0 / 9.0 s          -",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
