package lifecycle

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	last := at("2026-12-06T05:17:00Z")
	for _, tc := range []struct{ in, next string }{
		{"6 h", "2026-12-06T11:17:00Z"},
		{"30min", "2026-12-06T05:47:00Z"},
		{"0 0 */6 * * ?", "2026-12-06T06:00:00Z"},  // Quartz: seconds first, ? for any
		{"0 30 2 * * ? *", "2026-12-07T02:30:00Z"}, // with a year field
		{"@daily", "2026-12-07T00:00:00Z"},
	} {
		s, err := ParseSchedule(tc.in)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tc.in, err)
			continue
		}
		if got := s.Next(last).UTC().Format(time.RFC3339); got != tc.next {
			t.Errorf("ParseSchedule(%q).Next = %s, want %s", tc.in, got, tc.next)
		}
	}
	if s, err := ParseSchedule("0"); err != nil || !s.IsZero() {
		t.Errorf(`"0" must turn periodic savepoints off: %v %v`, s, err)
	}
	for _, bad := range []string{"0 0 6 * *", "0 0 0 * * ? 2027", "sometimes", "0 0 0 L * ?"} {
		if _, err := ParseSchedule(bad); err == nil || !strings.Contains(err.Error(), "cron") {
			t.Errorf("ParseSchedule(%q) = %v, want an error naming both forms", bad, err)
		}
	}
}

func TestDuePeriodic(t *testing.T) {
	hourly, _ := ParseSchedule("0 0 * * * ?")
	deployed := time.Date(2026, 12, 6, 5, 10, 0, 0, time.UTC)
	if due, wait := duePeriodic(hourly, time.Time{}, deployed, deployed.Add(20*time.Minute)); due || wait != 30*time.Minute {
		t.Errorf("before the first hour: due=%v wait=%v", due, wait)
	}
	if due, _ := duePeriodic(hourly, time.Time{}, deployed, deployed.Add(50*time.Minute)); !due {
		t.Error("at 06:00 the first periodic savepoint is due")
	}
	lastAt := time.Date(2026, 12, 6, 6, 0, 1, 0, time.UTC)
	if due, wait := duePeriodic(hourly, lastAt, deployed, lastAt.Add(time.Minute)); due || wait != 59*time.Minute-time.Second {
		t.Errorf("after the 06:00 one: due=%v wait=%v", due, wait)
	}
	if due, wait := duePeriodic(Schedule{}, time.Time{}, deployed, deployed); due || wait != 0 {
		t.Error("the zero schedule is off")
	}
}
