package rest

import (
	"context"
	"io"
	"net/http"
)

// textSink takes a 2xx response body as a stream instead of having it decoded as JSON: a
// log file may be far larger than any JSON answer.
type textSink func(io.Reader) error

// maxLogBytes caps what is read of a log file: the JobManager's rolls over at 100 MB.
const maxLogBytes = 128 << 20

// JobManagerLog streams GET /jobmanager/log (the JobManager's log file, as the UI shows
// it) to scan. Flink cannot send part of it, so callers read it rarely.
func (c *Client) JobManagerLog(ctx context.Context, scan func(io.Reader) error) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/jobmanager/log", idempotent: true}, textSink(scan))
}
