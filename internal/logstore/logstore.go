// Package logstore reads Flink apps' log lines back from a VictoriaLogs log store, where a
// shipper put them with their pods' fields (the operator chart's logShipper, or the local
// platform's vlagent: docs/observability-local.md). Lines stay there after their pods are
// gone, which is when `weir app logs --store` needs them.
package logstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fields vlagent's Kubernetes collector gives every line.
const (
	FieldNamespace = "kubernetes.pod_namespace"
	FieldPod       = "kubernetes.pod_name"
	FieldContainer = "kubernetes.container_name"
	// FieldLabelPrefix prefixes the pod's labels: weir's app and component labels.
	FieldLabelPrefix = "kubernetes.pod_labels."
)

// Entry is one log line: _msg, _time and its fields.
type Entry map[string]string

// Client queries one log store.
type Client struct {
	URL  string // e.g. http://127.0.0.1:29428
	HTTP *http.Client
}

// New returns a client of the store at baseURL.
func New(baseURL string) *Client {
	return &Client{URL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Query runs a LogsQL query (/select/logsql/query) and returns at most limit entries (0:
// all the server returns).
func (c *Client) Query(ctx context.Context, logsql string, limit int) ([]Entry, error) {
	v := url.Values{"query": {logsql}}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	u := c.URL + "/select/logsql/query?" + v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("log store %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("log store %s: %s: %s", c.URL, resp.Status, strings.TrimSpace(string(msg)))
	}
	var out []Entry
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("log store %s: an entry %q: %w", c.URL, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// AppFilter selects the lines of an app's pods (weir labels them app=<name>, and
// component=jobmanager|taskmanager) in namespace over the last since; component, when set,
// narrows it to one kind of pod, pod to one pod.
func AppFilter(namespace, app, component, pod string, since time.Duration) string {
	q := fmt.Sprintf("_time:%s %s:=%q %s:=%q", logsqlDuration(since), FieldNamespace, namespace, FieldLabelPrefix+"app", app)
	if component != "" {
		q += fmt.Sprintf(" %s:=%q", FieldLabelPrefix+"component", component)
	}
	if pod != "" {
		q += fmt.Sprintf(" %s:=%q", FieldPod, pod)
	}
	return q
}

// Lines returns the lines filter selects, oldest first: the last tail of them (0: all).
func (c *Client) Lines(ctx context.Context, filter string, tail int) ([]Entry, error) {
	if tail <= 0 {
		return c.Query(ctx, filter+" | sort by (_time)", 0)
	}
	out, err := c.Query(ctx, fmt.Sprintf("%s | sort by (_time desc) | limit %d", filter, tail), 0)
	slices.Reverse(out)
	return out, err
}

// logsqlDuration writes d as LogsQL's duration (whole seconds, at least one).
func logsqlDuration(d time.Duration) string {
	return strconv.FormatInt(max(int64(d/time.Second), 1), 10) + "s"
}

// Line is an entry as `weir app logs --store` prints it: the pod, the time, the level (from
// weir's JSON layout) and the message.
func Line(e Entry) string {
	msg := e["_msg"]
	if lvl := e["level"]; lvl != "" {
		msg = lvl + " " + msg
	}
	if t := e["_time"]; t != "" {
		msg = t + " " + msg
	}
	return "[" + e[FieldPod] + "] " + msg
}
