package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testJob = "0123456789abcdef0123456789abcdef"

// recorder counts requests and remembers their bodies.
type recorder struct {
	mu     sync.Mutex
	n      int
	bodies []string
	paths  []string
}

func (r *recorder) record(req *http.Request) int {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.bodies = append(r.bodies, string(b))
	r.paths = append(r.paths, req.Method+" "+req.URL.RequestURI())
	return r.n
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// newTestClient serves h and returns a client whose retry waits are recorded, not slept.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return c, &waits
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func flinkError(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string][]string{"errors": msgs})
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8081", "ftp://x", "http://"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) succeeded, want error", u)
		}
	}
}

func TestErrorCarriesFlinkMessageAndStatus(t *testing.T) {
	trace := "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n" +
		"\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)\n" +
		"Caused by: java.util.concurrent.CompletionException: wrapper\n" +
		"\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable\n" +
		"Caused by: java.lang.ClassNotFoundException: com.example.Missing\n" +
		"\t... 12 more\n"
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		flinkError(w, http.StatusBadRequest, trace)
	})
	_, err := c.RunJar(context.Background(), "abc_job.jar", RunJarRequest{EntryClass: "com.example.Missing"})
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if fe.StatusCode != 400 || !IsBadRequest(err) || IsNotFound(err) {
		t.Errorf("status mapping wrong: %d", fe.StatusCode)
	}
	msg := err.Error()
	for _, want := range []string{"POST /jars/abc_job.jar/run", "HTTP 400", "Could not execute application", "ClassNotFoundException: com.example.Missing"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\tat ") {
		t.Errorf("error keeps stack frames: %q", msg)
	}
	if len(fe.Messages) != 1 || fe.Messages[0] != trace {
		t.Errorf("full Flink message not kept verbatim")
	}
}

func TestNotFoundIsRecognised(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		flinkError(w, http.StatusNotFound, "Job "+testJob+" not found")
	})
	_, err := c.Job(context.Background(), testJob)
	if !IsNotFound(err) {
		t.Fatalf("IsNotFound(%v) = false", err)
	}
	if !HasMessage(err, "not found") || !strings.Contains(err.Error(), "Job "+testJob+" not found") {
		t.Errorf("message lost: %v", err)
	}
	if IsNotFound(errors.New("other")) || IsNotFound(nil) {
		t.Error("IsNotFound true for a non-Flink error")
	}
}

func TestNonJSONErrorBodyIsKept(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<html>denied by proxy</html>")
	})
	_, err := c.Overview(context.Background())
	if StatusCode(err) != 403 || !strings.Contains(err.Error(), "denied by proxy") {
		t.Fatalf("got %v", err)
	}
}

func TestGetRetriesTransientStatusThenSucceeds(t *testing.T) {
	var rec recorder
	c, waits := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if rec.record(r) < 3 {
			flinkError(w, http.StatusServiceUnavailable, "Service temporarily unavailable due to an ongoing leader election. Please refresh.")
			return
		}
		writeJSON(w, 200, map[string]any{"taskmanagers": 2, "slots-total": 4, "flink-version": "1.20.0"})
	})
	ov, err := c.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ov.TaskManagers != 2 || ov.SlotsTotal != 4 || ov.FlinkVersion != "1.20.0" {
		t.Errorf("decoded %+v", ov)
	}
	if rec.count() != 3 || len(*waits) != 2 {
		t.Errorf("requests=%d waits=%d, want 3 and 2", rec.count(), len(*waits))
	}
}

func TestGetGivesUpAfterMaxAttempts(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		flinkError(w, http.StatusServiceUnavailable, "leader election")
	}, WithRetry(RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	_, err := c.ListJobs(context.Background())
	if rec.count() != 3 {
		t.Errorf("requests=%d, want 3", rec.count())
	}
	if !IsUnavailable(err) || StatusCode(err) != 503 || !HasMessage(err, "leader election") {
		t.Errorf("got %v", err)
	}
}

func TestDefinitiveAnswersAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 404, 409, 500} {
		var rec recorder
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			rec.record(r)
			flinkError(w, status, "no")
		})
		_, err := c.Job(context.Background(), testJob)
		if StatusCode(err) != status || rec.count() != 1 {
			t.Errorf("status %d: requests=%d err=%v", status, rec.count(), err)
		}
	}
}

func TestNonIdempotentCallsAreNeverRetried(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		flinkError(w, http.StatusServiceUnavailable, "busy")
	})
	ctx := context.Background()
	calls := map[string]func() error{
		"run jar": func() error { _, err := c.RunJar(ctx, "x.jar", RunJarRequest{}); return err },
		"upload":  func() error { _, err := c.UploadJarFrom(ctx, "x.jar", strings.NewReader("PK")); return err },
		"dispose": func() error { _, err := c.DisposeSavepoint(ctx, "file:///sp/savepoint-1"); return err },
	}
	for name, f := range calls {
		before := rec.count()
		if err := f(); StatusCode(err) != 503 {
			t.Errorf("%s: got %v", name, err)
		}
		if got := rec.count() - before; got != 1 {
			t.Errorf("%s: %d requests, want exactly 1", name, got)
		}
	}
}

func TestTriggerRetryReusesTriggerID(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if rec.record(r) == 1 {
			flinkError(w, http.StatusBadGateway, "proxy hiccup")
			return
		}
		var body map[string]any
		_ = json.Unmarshal([]byte(rec.bodies[len(rec.bodies)-1]), &body)
		writeJSON(w, http.StatusAccepted, map[string]any{"request-id": body["triggerId"]})
	})
	tid, err := c.StopWithSavepoint(context.Background(), testJob, StopRequest{TargetDirectory: "file:///sp"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.count() != 2 || rec.bodies[0] != rec.bodies[1] {
		t.Fatalf("retry must resend the identical body: %q vs %q", rec.bodies[0], rec.bodies[len(rec.bodies)-1])
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(rec.bodies[0]), &body)
	if body["triggerId"] != tid || !isHex32(tid) {
		t.Errorf("trigger id %q not the one sent (%v)", tid, body["triggerId"])
	}
	if body["targetDirectory"] != "file:///sp" || body["drain"] != false {
		t.Errorf("stop body %v", body)
	}
	if rec.paths[0] != "POST /jobs/"+testJob+"/stop" {
		t.Errorf("path %q", rec.paths[0])
	}
}

func TestTransportErrorIsRetriedForGet(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if rec.record(r) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // drop the connection without an answer
			}
			return
		}
		writeJSON(w, 200, map[string]any{"flink-version": "2.3.0"})
	})
	cfg, err := c.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FlinkVersion != "2.3.0" || rec.count() != 2 {
		t.Errorf("version %q after %d requests", cfg.FlinkVersion, rec.count())
	}
}

func TestAttemptTimeoutYieldsTransportError(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		<-r.Context().Done() // never answers
	}, WithTimeouts(Timeouts{Default: 20 * time.Millisecond}),
		WithRetry(RetryPolicy{MaxAttempts: 2}))
	_, err := c.TaskManagers(context.Background())
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || !IsUnavailable(err) {
		t.Fatalf("want a timed-out TransportError, got %T %v", err, err)
	}
	if rec.count() != 2 {
		t.Errorf("requests=%d, want 2 (one retry)", rec.count())
	}
}

func TestCallerCancellationStopsRetries(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		flinkError(w, http.StatusServiceUnavailable, "busy")
	})
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	_, err := c.Overview(ctx)
	if rec.count() != 1 || StatusCode(err) != 503 {
		t.Fatalf("requests=%d err=%v", rec.count(), err)
	}
	if !strings.Contains(err.Error(), "giving up after 1 attempts") {
		t.Errorf("error does not say why it stopped: %v", err)
	}
}

func TestInvalidIDsFailBeforeAnyRequest(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { rec.record(r) })
	ctx := context.Background()
	errs := []error{}
	_, err := c.Job(ctx, "not-a-job")
	errs = append(errs, err)
	_, err = c.Job(ctx, "../../jars")
	errs = append(errs, err)
	_, err = c.SavepointStatus(ctx, testJob, "XYZ")
	errs = append(errs, err)
	errs = append(errs, c.DeleteJar(ctx, "../config"))
	_, err = c.RunJar(ctx, "a.jar", RunJarRequest{JobID: "short"})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d accepted an invalid id", i)
		}
	}
	if rec.count() != 0 {
		t.Errorf("%d requests sent for invalid ids", rec.count())
	}
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		writeJSON(w, 200, map[string]any{"jobs": []any{}})
	}))
	defer srv.Close()
	c, err := New(srv.URL + "/proxy/flink/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec.paths[0] != "GET /proxy/flink/jobs/overview" {
		t.Errorf("path %q", rec.paths[0])
	}
}

func TestWithCallTimeoutOverridesTheClientTimeout(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		<-r.Context().Done()
	}, WithRetry(RetryPolicy{MaxAttempts: 1}))
	// The client default (10s) would hang the test; the per-call bound ends the attempt.
	_, err := c.Overview(WithCallTimeout(context.Background(), 20*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || rec.count() != 1 {
		t.Fatalf("got %v after %d requests", err, rec.count())
	}
}

func TestServerSideExceptionWrapperIsUnwrapped(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		flinkError(w, 500, "Internal server error.",
			"<Exception on server side:\norg.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'x.Y' was not found in the jar file.\n\tat a\nCaused by: java.lang.ClassNotFoundException: x.Y\n\tat b\n\nEnd of exception on server side>")
	})
	_, err := c.RunJar(context.Background(), "a.jar", RunJarRequest{EntryClass: "x.Y"})
	want := "HTTP 500: Internal server error.; org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'x.Y' was not found in the jar file. (caused by: java.lang.ClassNotFoundException: x.Y)"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("got  %v\nwant …%s", err, want)
	}
}

func TestWithCallAttemptsCapsRetries(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		flinkError(w, http.StatusServiceUnavailable, "leader election")
	}, WithRetry(RetryPolicy{MaxAttempts: 4, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	_, err := c.Overview(WithCallAttempts(context.Background(), 2))
	if !IsUnavailable(err) || rec.count() != 2 {
		t.Fatalf("got %v after %d requests, want 2", err, rec.count())
	}
	// A cap above the policy does not raise it.
	_, _ = c.Overview(WithCallAttempts(context.Background(), 9))
	if rec.count() != 6 {
		t.Fatalf("requests=%d, want 2+4", rec.count())
	}
}
