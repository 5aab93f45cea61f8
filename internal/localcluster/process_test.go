package localcluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A daemon that exits on its first start is started again and becomes ready;
// one that always exits fails after startAttempts with its log tail.
func TestWaitReadyRestartingRestartsAnEarlyExit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failFirst int // starts that exit at once
		wantErr   bool
	}{
		{"exits once", 1, false},
		{"always exits", 99, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Layout{Root: t.TempDir()}
			for _, dir := range []string{"run", "logs"} {
				if err := os.MkdirAll(filepath.Join(l.Root, dir), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			starts := filepath.Join(l.Root, "starts")
			// Ready once the process survived its start.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if b, _ := os.ReadFile(starts); strings.Count(string(b), "\n") > tc.failFirst {
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			script := `echo x >> "$0"; n=$(wc -l < "$0"); if [ "$n" -le "$1" ]; then echo "boom $n"; exit 1; fi; exec sleep 30`
			d := Daemon{Name: "flaky", Binary: "/bin/sh", Args: []string{"-c", script, starts, strconv.Itoa(tc.failFirst)}, Probe: Probe{URL: srv.URL}}
			pid, err := startDaemon(l, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if p, running := pidState(l, d); running {
					_ = stopPID(p, time.Second)
				}
				_ = stopPID(pid, time.Second)
			})
			note, err := waitReadyRestarting(context.Background(), l, d, 10*time.Second)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "exited during start-up") || !strings.Contains(err.Error(), "boom") {
					t.Fatalf("err = %v, want an early-exit error with the log tail", err)
				}
				if b, _ := os.ReadFile(starts); strings.Count(string(b), "\n") != startAttempts {
					t.Errorf("started %d times, want %d", strings.Count(string(b), "\n"), startAttempts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(note, "restarted 1 time") {
				t.Errorf("note = %q", note)
			}
		})
	}
}
