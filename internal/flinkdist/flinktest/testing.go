package flinktest

import (
	"context"
	"os"
	"testing"
)

// Enabled reports whether tests that run real Flink are switched on (WEIR_FLINK_IT=1).
func Enabled() bool { return os.Getenv("WEIR_FLINK_IT") == "1" }

// New starts a cluster for a test and stops it when the test ends. It skips the test
// unless WEIR_FLINK_IT=1, and fails it with the processes' logs if the cluster cannot start.
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	if !Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run tests against a real local Flink cluster")
	}
	c, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start local Flink %s: %v", o.Version, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Flink logs:\n%s", tail(c.Logs(), 20000))
		}
		c.Stop()
	})
	return c
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
