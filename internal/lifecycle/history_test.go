package lifecycle

import (
	"testing"
	"time"

	"weir.dev/weir/api/v1beta1"
)

func TestPruneSavepointHistory(t *testing.T) {
	now := t0
	sp := func(name string, ago time.Duration) v1beta1.Savepoint {
		return v1beta1.Savepoint{Location: name, TimeStamp: now.Add(-ago).UnixMilli()}
	}
	locs := func(s []v1beta1.Savepoint) []string {
		var out []string
		for _, x := range s {
			out = append(out, x.Location)
		}
		return out
	}
	cases := []struct {
		name       string
		history    []v1beta1.Savepoint
		limits     HistoryLimits
		inUse      string
		keep, drop []string
	}{
		{"empty", nil, DefaultHistoryLimits(), "", nil, nil},
		{"count cap drops the oldest, order restored", []v1beta1.Savepoint{sp("c", time.Minute), sp("a", 3*time.Minute), sp("b", 2*time.Minute)},
			HistoryLimits{MaxCount: 2, MaxAge: time.Hour}, "", []string{"b", "c"}, []string{"a"}},
		{"age cap", []v1beta1.Savepoint{sp("old", 25*time.Hour), sp("new", time.Hour)}, DefaultHistoryLimits(), "", []string{"new"}, []string{"old"}},
		{"the newest survives even when too old", []v1beta1.Savepoint{sp("x", 48*time.Hour), sp("y", 30*time.Hour)}, DefaultHistoryLimits(), "", []string{"y"}, []string{"x"}},
		{"zero count still keeps the newest", []v1beta1.Savepoint{sp("x", 2*time.Minute), sp("y", time.Minute)}, HistoryLimits{}, "", []string{"y"}, []string{"x"}},
		{"the savepoint the next deployment restores survives", []v1beta1.Savepoint{sp("up", 48*time.Hour), sp("a", 3*time.Minute), sp("b", time.Minute)},
			HistoryLimits{MaxCount: 1, MaxAge: time.Hour}, "up", []string{"up", "b"}, []string{"a"}},
		{"no age cap when max age is zero", []v1beta1.Savepoint{sp("x", 48*time.Hour), sp("y", time.Minute)}, HistoryLimits{MaxCount: 5}, "", []string{"x", "y"}, nil},
	}
	for _, tc := range cases {
		keep, drop := PruneSavepointHistory(tc.history, tc.inUse, now, tc.limits)
		if got := locs(keep); !equalStrings(got, tc.keep) {
			t.Errorf("%s: keep %v, want %v", tc.name, got, tc.keep)
		}
		if got := locs(drop); !equalStrings(got, tc.drop) {
			t.Errorf("%s: drop %v, want %v", tc.name, got, tc.drop)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
