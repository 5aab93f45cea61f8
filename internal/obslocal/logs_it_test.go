package obslocal_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"weir.dev/weir/internal/obslocal"
	"weir.dev/weir/internal/testenv"
)

// Lines pushed through Loki's push API come back from a LogsQL query by label, with the
// stream's labels as fields; lines of another stream do not.
func TestLogStoreTakesLokiPushesAndAnswersLogsQL(t *testing.T) {
	enabled(t)
	bin := ensureBinaries(t)
	addr := listen(t, "127.0.0.1")
	vl := start(t, "victoria-logs", bin["victoria-logs"], baseURL(addr), obslocal.LogsArgs(addr, filepath.Join(t.TempDir(), "logs")), nil)
	c := &obslocal.Client{LogsURL: baseURL(addr), HTTP: &http.Client{Timeout: 10 * time.Second}}
	ctx := context.Background()
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := c.PushLoki(ctx, map[string]string{"app": "shop", "namespace": "obs", "pod": "web-0"}, "hello "+nonce, "bye "+nonce); err != nil {
		t.Fatal(err)
	}
	if err := c.PushLoki(ctx, map[string]string{"app": "other", "namespace": "obs", "pod": "x-0"}, "elsewhere "+nonce); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the shop's lines in the log store", testenv.Poll{Diagnose: vl.tail}, func() error {
		got, err := c.QueryLogs(ctx, fmt.Sprintf(`{app="shop"} %q | sort by (_time)`, nonce), 0)
		if err != nil {
			return err
		}
		if len(got) != 2 {
			return fmt.Errorf("want 2 entries, got %d: %v", len(got), got)
		}
		for i, msg := range []string{"hello " + nonce, "bye " + nonce} {
			if got[i]["_msg"] != msg {
				return fmt.Errorf("entry %d: _msg %q, want %q", i, got[i]["_msg"], msg)
			}
			if err := wantLabels(got[i], map[string]string{"app": "shop", "namespace": "obs", "pod": "web-0"}); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
		}
		return nil
	})
	testenv.Eventually(t, "all three lines by the nonce alone", testenv.Poll{Diagnose: vl.tail}, func() error {
		all, err := c.QueryLogs(ctx, fmt.Sprintf("%q", nonce), 0)
		if err != nil {
			return err
		}
		if len(all) != 3 {
			return fmt.Errorf("want 3 entries, got %d: %v", len(all), all)
		}
		return nil
	})
}
