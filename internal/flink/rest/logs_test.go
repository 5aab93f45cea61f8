package rest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestJobManagerLogStreamsTheFile(t *testing.T) {
	const log = "2026-12-06 07:53:24,001 WARN x - not JSON {\nCaused by: y\n"
	var missing atomic.Bool
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/jobmanager/log" || missing.Load() {
			flinkError(w, 404, "no log file")
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, log)
	})
	var got string
	err := c.JobManagerLog(context.Background(), func(r io.Reader) error {
		b, err := io.ReadAll(r)
		got = string(b)
		return err
	})
	if err != nil || got != log {
		t.Fatalf("got %q (%v), want the file as it is", got, err)
	}
	missing.Store(true)
	called := false
	err = c.JobManagerLog(context.Background(), func(io.Reader) error { called = true; return nil })
	if err == nil || called || !strings.Contains(err.Error(), "no log file") {
		t.Errorf("a 404: err %v, scan called %v; want Flink's error and no scan", err, called)
	}
}
