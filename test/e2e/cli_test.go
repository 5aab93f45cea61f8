package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"weir.dev/weir/internal/app"
	flinkrest "weir.dev/weir/internal/flink/rest"
)

// cliLogsAndUI runs what `weir app logs --taskmanagers` and `weir app ui` do, which need a
// kubelet: every TaskManager log line comes prefixed with its pod's name, and the UI's
// port-forward serves Flink's REST API on localhost until it is stopped.
func (l *lifecycleRun) cliLogsAndUI() {
	var b bytes.Buffer
	if err := l.c.StreamLogs(l.ctx, l.key, app.LogOptions{TaskManagers: true, Tail: 20}, &b); err != nil {
		l.t.Fatalf("logs --taskmanagers: %v\n%s", err, b.String())
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for _, line := range lines {
		if !strings.HasPrefix(line, "["+l.key.Name+"-taskmanager-") {
			l.t.Errorf("a TaskManager log line without its pod's name: %q", line)
		}
	}
	l.t.Logf("logs --taskmanagers: %d lines, the first %q", len(lines), lines[0])

	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- l.c.ForwardUI(ctx, l.key, 0, func(u string) { urls <- u }, io.Discard) }()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		l.t.Fatalf("ui: the port-forward ended before it was ready: %v", err)
	}
	if !strings.HasPrefix(url, "http://localhost:") {
		l.t.Errorf("ui URL %q is not on localhost", url)
	}
	fc, err := flinkrest.New(url)
	if err != nil {
		l.t.Fatal(err)
	}
	l.eventually("Flink's overview through the UI's port-forward", func() error {
		o, err := fc.Overview(l.ctx)
		if err != nil {
			return err
		}
		if o.TaskManagers < 1 {
			return fmt.Errorf("overview through %s: %+v", url, o)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		l.t.Errorf("ui: stopping the port-forward: %v", err)
	}
}
