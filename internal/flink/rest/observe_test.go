package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestOperationHidesIDs(t *testing.T) {
	trigger := "fedcba9876543210fedcba9876543210"
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/overview", "GET /overview"},
		{"GET", "/jobs/overview", "GET /jobs/overview"},
		{"GET", "/jobs/" + testJob, "GET /jobs/:jobid"},
		{"POST", "/jobs/" + testJob + "/stop", "POST /jobs/:jobid/stop"},
		{"GET", "/jobs/" + testJob + "/savepoints/" + trigger, "GET /jobs/:jobid/savepoints/:triggerid"},
		{"GET", "/jobs/" + testJob + "/checkpoints/details/42", "GET /jobs/:jobid/checkpoints/details/:id"},
		{"GET", "/jobs/" + testJob + "/resource-requirements", "GET /jobs/:jobid/resource-requirements"},
		{"POST", "/jars/0f1e2d3c-aaaa_job.jar/run", "POST /jars/:id/run"},
		{"DELETE", "/jars/0f1e2d3c-aaaa_job.jar", "DELETE /jars/:id"},
		{"POST", "/jars/upload", "POST /jars/upload"},
		{"GET", "/savepoint-disposal/" + trigger, "GET /savepoint-disposal/:triggerid"},
		{"GET", "/jobs/not%2Fan-id", "GET /jobs/:id"},
	} {
		if got := Operation(c.method, c.path); got != c.want {
			t.Errorf("Operation(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

func TestErrorReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&Error{StatusCode: 404}, "http_4xx"},
		{fmt.Errorf("wrapped: %w", &Error{StatusCode: 503}), "http_5xx"},
		{&TransportError{Err: fmt.Errorf("dial: %w", context.DeadlineExceeded)}, "timeout"},
		{&TransportError{Err: fmt.Errorf("connection refused")}, "transport"},
		{fmt.Errorf("flink rest GET /x: %w", context.Canceled), "canceled"},
		{fmt.Errorf("decoding 200 response"), "other"},
	} {
		if got := ErrorReason(c.err); got != c.want {
			t.Errorf("ErrorReason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// The observer hears of each call once, retries included, with its operation and error.
func TestObserverHearsEachCallOnce(t *testing.T) {
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if r.URL.Path == "/overview" && attempts == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/overview" {
			fmt.Fprint(w, `{"taskmanagers":1}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":["not found"]}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithRetry(RetryPolicy{MaxAttempts: 3}))
	if err != nil {
		t.Fatal(err)
	}
	type heard struct{ op, reason string }
	var got []heard
	c.ObserveCalls(func(op string, took time.Duration, err error) {
		if took <= 0 {
			t.Errorf("%s took %s", op, took)
		}
		got = append(got, heard{op, ErrorReason(err)})
	})
	if _, err := c.Overview(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Job(context.Background(), testJob); err == nil {
		t.Fatal("want the 404")
	}
	want := []heard{{"GET /overview", ""}, {"GET /jobs/:jobid", "http_4xx"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observer heard %v, want %v (server saw %d attempts)", got, want, attempts)
	}
}
