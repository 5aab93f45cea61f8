package obslocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"weir.dev/weir/internal/logstore"
)

// Client queries the metrics server, the rule engine and the log store over their HTTP APIs.
type Client struct {
	MetricsURL string // e.g. MetricsURL()
	AlertURL   string // e.g. AlertURL()
	LogsURL    string // e.g. LogsURL()
	HTTP       *http.Client
}

// NewClient returns a client of the local platform's daemons.
func NewClient() *Client {
	return &Client{MetricsURL: MetricsURL(), AlertURL: AlertURL(), LogsURL: LogsURL(), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Series is one element of an instant query's result vector.
type Series struct {
	Labels map[string]string
	Value  float64
}

// QueryMetrics runs a PromQL/MetricsQL instant query at the current time (/api/v1/query).
func (c *Client) QueryMetrics(ctx context.Context, query string) ([]Series, error) {
	raw, err := c.get(ctx, c.MetricsURL+"/api/v1/query?"+url.Values{"query": {query}}.Encode())
	if err != nil {
		return nil, err
	}
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, fmt.Errorf("parse query response: %w", err)
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", query, resp.Error)
	}
	if resp.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %q, want vector", query, resp.Data.ResultType)
	}
	out := make([]Series, 0, len(resp.Data.Result))
	for _, r := range resp.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %v: %w", query, r.Value[1], err)
		}
		out = append(out, Series{Labels: r.Metric, Value: v})
	}
	return out, nil
}

// QueryLogs runs a LogsQL query against the log store (logstore.Client.Query) and returns at
// most limit entries (0: all).
func (c *Client) QueryLogs(ctx context.Context, query string, limit int) ([]logstore.Entry, error) {
	return (&logstore.Client{URL: c.LogsURL, HTTP: c.HTTP}).Query(ctx, query, limit)
}

// PushLoki sends lines as one stream with the given labels through Loki's push API
// (/insert/loki/api/v1/push, JSON), stamped now.
func (c *Client) PushLoki(ctx context.Context, labels map[string]string, lines ...string) error {
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	s := stream{Stream: labels}
	now := time.Now()
	for i, l := range lines {
		s.Values = append(s.Values, [2]string{strconv.FormatInt(now.UnixNano()+int64(i), 10), l})
	}
	body, err := json.Marshal(map[string][]stream{"streams": {s}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.LogsURL+"/insert/loki/api/v1/push", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("loki push: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// Ready returns nil when baseURL's /health answers 200.
func (c *Client) Ready(ctx context.Context, baseURL string) error {
	_, err := c.get(ctx, baseURL+HealthPath)
	return err
}

// WaitReady polls baseURL's /health until it answers 200, ctx ends or timeout passes.
func (c *Client) WaitReady(ctx context.Context, baseURL string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := c.Ready(ctx, baseURL)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", baseURL, timeout, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(raw)))
	}
	return raw, nil
}
