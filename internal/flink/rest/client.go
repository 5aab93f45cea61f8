package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Timeouts bound a single HTTP attempt of each kind of call. The caller's context bounds
// the whole call, retries included.
type Timeouts struct {
	// Default applies to every call not listed below.
	Default time.Duration
	// Upload applies to /jars/upload, which streams a possibly large jar.
	Upload time.Duration
	// RunJar applies to /jars/:id/run, which executes the job's main() in the JobManager.
	RunJar time.Duration
}

// RetryPolicy says how often an idempotent call is retried after a transient failure
// (connection errors, attempt timeouts, HTTP 502/503/504). Non-idempotent calls are never
// retried: a POST that reached Flink must not run twice.
type RetryPolicy struct {
	MaxAttempts    int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// Client talks to one Flink JobManager REST endpoint. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	http     *http.Client
	timeouts Timeouts
	retry    RetryPolicy
	// sleep waits between retries; tests replace it so they do not depend on wall time.
	sleep func(ctx context.Context, d time.Duration) error
	// observe, when set, hears of every call (ObserveCalls).
	observe CallObserver
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the underlying HTTP client (e.g. for TLS). Its own Timeout
// should be zero: the Client sets per-attempt deadlines itself.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTimeouts sets per-attempt timeouts; zero fields keep their defaults.
func WithTimeouts(t Timeouts) Option {
	return func(c *Client) {
		if t.Default > 0 {
			c.timeouts.Default = t.Default
		}
		if t.Upload > 0 {
			c.timeouts.Upload = t.Upload
		}
		if t.RunJar > 0 {
			c.timeouts.RunJar = t.RunJar
		}
	}
}

// WithRetry sets the retry policy for idempotent calls; MaxAttempts 1 disables retries.
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// DefaultTimeouts are used unless WithTimeouts overrides them.
var DefaultTimeouts = Timeouts{Default: 10 * time.Second, Upload: 2 * time.Minute, RunJar: 2 * time.Minute}

// DefaultRetry is used unless WithRetry overrides it.
var DefaultRetry = RetryPolicy{MaxAttempts: 4, InitialBackoff: 200 * time.Millisecond, MaxBackoff: 3 * time.Second}

// New returns a client for the REST endpoint at baseURL, e.g. "http://flink-jm-rest:8081".
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("flink rest: bad base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("flink rest: base URL %q must be http(s)://host[:port]", baseURL)
	}
	c := &Client{
		base:     u,
		http:     &http.Client{},
		timeouts: DefaultTimeouts,
		retry:    DefaultRetry,
		sleep:    sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	if c.retry.MaxAttempts < 1 {
		c.retry.MaxAttempts = 1
	}
	return c, nil
}

// BaseURL returns the endpoint this client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// call describes one REST call.
type call struct {
	method  string
	path    string // already escaped
	query   url.Values
	body    any // JSON-encoded unless it is a *rawBody
	timeout time.Duration
	// idempotent calls are retried on transient failures.
	idempotent bool
}

// rawBody is a pre-encoded request body.
type rawBody struct {
	contentType string
	data        []byte
}

// streamBody is a request body read once, as it is sent (jar uploads, which may be large).
// A call with one is never retried: the stream cannot be replayed.
type streamBody struct {
	contentType string
	r           io.Reader
}

// do runs c, retrying when allowed, and decodes a 2xx JSON response into out (if non-nil).
// It is the one place every call passes, where the observer hears of it.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	if c.observe == nil {
		return c.run(ctx, cl, out)
	}
	start := time.Now()
	err := c.run(ctx, cl, out)
	c.observe(Operation(cl.method, cl.path), time.Since(start), err)
	return err
}

func (c *Client) run(ctx context.Context, cl call, out any) error {
	var payload []byte
	var stream io.Reader
	contentType := ""
	switch b := cl.body.(type) {
	case nil:
	case *streamBody:
		stream, contentType = b.r, b.contentType
		cl.idempotent = false
	case *rawBody:
		payload, contentType = b.data, b.contentType
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return fmt.Errorf("flink rest %s %s: encoding request: %w", cl.method, cl.path, err)
		}
		contentType = "application/json"
	}
	attempts := 1
	if cl.idempotent {
		attempts = c.retry.MaxAttempts
		if n, ok := ctx.Value(callAttemptsKey{}).(int); ok && n > 0 && n < attempts {
			attempts = n
		}
	}
	timeout := cl.timeout
	if d, ok := ctx.Value(callTimeoutKey{}).(time.Duration); ok && d > 0 {
		timeout = d
	}
	if timeout <= 0 {
		timeout = c.timeouts.Default
	}
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			if err := c.sleep(ctx, c.backoff(attempt-1)); err != nil {
				return fmt.Errorf("%w (giving up after %d attempts: %v)", lastErr, attempt-1, err) //nolint:errorlint // the last answer is the error; the context error only says why we stopped
			}
		}
		retryable, err := c.once(ctx, cl, payload, stream, contentType, timeout, out)
		if err == nil {
			return nil
		}
		lastErr = err
		if !retryable || ctx.Err() != nil {
			break
		}
	}
	return lastErr
}

// once performs a single attempt. retryable reports whether the failure was transient.
func (c *Client) once(ctx context.Context, cl call, payload []byte, stream io.Reader, contentType string, timeout time.Duration, out any) (retryable bool, err error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + cl.path
	u.RawPath = c.base.EscapedPath() + cl.path
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	} else if stream != nil {
		body = stream
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u.String(), body)
	if err != nil {
		return false, fmt.Errorf("flink rest %s %s: %w", cl.method, cl.path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil { // the caller gave up: never retry
			return false, fmt.Errorf("flink rest %s %s: %w", cl.method, cl.path, ctx.Err())
		}
		// Refused/reset connections and attempt timeouts are transient from our side.
		return true, &TransportError{Method: cl.method, Path: cl.path, Err: err}
	}
	defer resp.Body.Close()
	if sink, ok := out.(textSink); ok && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return false, sink(io.LimitReader(resp.Body, maxLogBytes))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return ctx.Err() == nil, &TransportError{Method: cl.method, Path: cl.path, Err: fmt.Errorf("reading response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(cl.method, cl.path, resp.StatusCode, data)
		return statusRetryable(resp.StatusCode), e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("flink rest %s %s: decoding %d response: %w (body starts %q)",
			cl.method, cl.path, resp.StatusCode, err, truncate(string(data), 200))
	}
	return false, nil
}

type callTimeoutKey struct{}

// WithCallTimeout returns a context under which each HTTP attempt of a call is bounded by d
// instead of the client's per-kind timeout (the context's own deadline still bounds all
// attempts together).
func WithCallTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, callTimeoutKey{}, d)
}

type callAttemptsKey struct{}

// WithCallAttempts returns a context under which an idempotent call is tried at most n
// times (never more than the client's retry policy allows). Observation uses it so that an
// unreachable JobManager costs a bounded, short time.
func WithCallAttempts(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, callAttemptsKey{}, n)
}

// maxResponseBytes caps what is read of one response; checkpoint histories can be large.
const maxResponseBytes = 64 << 20

// backoff returns the wait before retry n (1-based): exponential, capped, with jitter so
// several controllers do not hammer a recovering JobManager in lockstep.
func (c *Client) backoff(n int) time.Duration {
	d := c.retry.InitialBackoff
	for i := 1; i < n && d < c.retry.MaxBackoff; i++ {
		d *= 2
	}
	if c.retry.MaxBackoff > 0 && d > c.retry.MaxBackoff {
		d = c.retry.MaxBackoff
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// statusRetryable: 502/503/504 are what a proxy or a JobManager in leader election
// returns while it is not ready; anything else is an answer that a retry will not change.
func statusRetryable(code int) bool {
	return code == http.StatusBadGateway || code == http.StatusServiceUnavailable ||
		code == http.StatusGatewayTimeout || code == http.StatusTooManyRequests
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// get is the common idempotent GET.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, call{method: http.MethodGet, path: path, query: query, idempotent: true}, out)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
