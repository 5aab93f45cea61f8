package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestUploadJarSendsMultipartJarfile(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/jars/upload" {
			flinkError(w, 404, "unexpected "+r.Method+" "+r.URL.Path)
			return
		}
		f, hdr, err := r.FormFile("jarfile")
		if err != nil {
			flinkError(w, 400, "no jarfile part: "+err.Error())
			return
		}
		data, _ := io.ReadAll(f)
		if hdr.Filename != "StateMachineExample.jar" || hdr.Header.Get("Content-Type") != "application/x-java-archive" || string(data) != "PK\x03\x04jar" {
			flinkError(w, 400, "bad part "+hdr.Filename+" "+hdr.Header.Get("Content-Type"))
			return
		}
		writeJSON(w, 200, map[string]string{
			"filename": "/tmp/flink-web-1/flink-web-upload/6e1c2a3b-aaaa_StateMachineExample.jar",
			"status":   "success",
		})
	})
	id, err := c.UploadJarFrom(context.Background(), "StateMachineExample.jar", strings.NewReader("PK\x03\x04jar"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "6e1c2a3b-aaaa_StateMachineExample.jar" {
		t.Errorf("jar id %q", id)
	}
	if _, err := c.UploadJarFrom(context.Background(), "job.zip", strings.NewReader("x")); err == nil {
		t.Error("non-.jar name accepted")
	}
}

func TestRunJarSendsOnlySetFields(t *testing.T) {
	var got map[string]any
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		writeJSON(w, 200, map[string]string{"jobid": testJob})
	})
	id, err := c.RunJar(context.Background(), "x_job.jar", RunJarRequest{
		EntryClass:    "org.example.Job",
		ProgramArgs:   []string{"--a", "1 2"},
		Parallelism:   2,
		JobID:         testJob,
		SavepointPath: "file:/sp/savepoint-1",
		ClaimMode:     ClaimModeNoClaim,
	})
	if err != nil || id != testJob {
		t.Fatalf("id=%q err=%v", id, err)
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"claimMode", "entryClass", "jobId", "parallelism", "programArgsList", "savepointPath"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("body keys %v, want %v", keys, want)
	}
	if !reflect.DeepEqual(got["programArgsList"], []any{"--a", "1 2"}) {
		t.Errorf("args %v", got["programArgsList"])
	}
}

func TestIsDuplicateJob(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		flinkError(w, 500, "org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.")
	})
	_, err := c.RunJar(context.Background(), "x.jar", RunJarRequest{JobID: testJob})
	if !IsDuplicateJob(err) {
		t.Fatalf("IsDuplicateJob(%v) = false", err)
	}
}

func TestCancelJobUsesPatchModeCancel(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		w.WriteHeader(http.StatusAccepted)
	})
	if err := c.CancelJob(context.Background(), testJob); err != nil {
		t.Fatal(err)
	}
	if rec.paths[0] != "PATCH /jobs/"+testJob+"?mode=cancel" {
		t.Errorf("sent %q", rec.paths[0])
	}
}

func TestJobMetricsAcceptsArrayAndObject(t *testing.T) {
	for _, body := range []string{
		`[{"id":"numRestarts","value":"3"},{"id":"uptime","value":"1000"}]`,
		`{"metrics":[{"id":"numRestarts","value":"3"},{"id":"uptime","value":"1000"}]}`,
	} {
		var query string
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			query = r.URL.Query().Get("get")
			_, _ = io.WriteString(w, body)
		})
		m, err := c.JobMetrics(context.Background(), testJob, "numRestarts", "uptime")
		if err != nil {
			t.Fatal(err)
		}
		if query != "numRestarts,uptime" || m["numRestarts"] != "3" || m["uptime"] != "1000" {
			t.Errorf("query %q metrics %v", query, m)
		}
	}
}

func TestResourceRequirementsRoundTrip(t *testing.T) {
	const vertex = "cbc357ccb763df2852fee8c4fc7d55f2"
	var put ResourceRequirements
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			_, _ = io.WriteString(w, `{"`+vertex+`":{"parallelism":{"lowerBound":1,"upperBound":2}}}`)
		case http.MethodPut:
			_ = json.NewDecoder(r.Body).Decode(&put)
			writeJSON(w, 200, map[string]any{})
		}
	})
	req, err := c.JobResourceRequirements(context.Background(), testJob)
	if err != nil {
		t.Fatal(err)
	}
	if req[vertex].Parallelism.UpperBound != 2 {
		t.Fatalf("decoded %v", req)
	}
	req[vertex] = VertexResources{Parallelism: ParallelismBounds{LowerBound: 1, UpperBound: 4}}
	if err := c.SetJobResourceRequirements(context.Background(), testJob, req); err != nil {
		t.Fatal(err)
	}
	if put[vertex].Parallelism.UpperBound != 4 {
		t.Errorf("server got %v", put)
	}
}

func TestRootCausePrefersHistoryAndFallsBackToLegacyField(t *testing.T) {
	v2 := `{"exceptionHistory":{"entries":[{"exceptionName":"java.lang.RuntimeException","stacktrace":"java.lang.RuntimeException: boom\n\tat a","timestamp":7}],"truncated":false}}`
	v1 := `{"root-exception":"java.lang.IllegalStateException: old\n\tat b","timestamp":5,"all-exceptions":[],"truncated":false,"exceptionHistory":{"entries":[],"truncated":false}}`
	var e2, e1 JobExceptions
	if err := json.Unmarshal([]byte(v2), &e2); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(v1), &e1); err != nil {
		t.Fatal(err)
	}
	if msg, ts := e2.RootCause(); msg != "java.lang.RuntimeException: boom" || ts != 7 {
		t.Errorf("2.x shape: %q %d", msg, ts)
	}
	if msg, ts := e1.RootCause(); msg != "java.lang.IllegalStateException: old" || ts != 5 {
		t.Errorf("1.x shape: %q %d", msg, ts)
	}
	var none JobExceptions
	if msg, _ := none.RootCause(); msg != "" {
		t.Errorf("no failure yields %q", msg)
	}
}

func TestJobStatusTerminality(t *testing.T) {
	for s, want := range map[JobStatus]bool{JobFinished: true, JobCanceled: true, JobFailed: true, JobSuspended: false, JobRunning: false, JobRestarting: false} {
		if s.IsGloballyTerminal() != want {
			t.Errorf("%s terminal=%v", s, !want)
		}
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "PK\x03\x04"), nil
	}
	return 0, errors.New("disk went away")
}

func TestUploadJarReaderErrorFailsTheUpload(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r) // reads the body to its (broken) end
		writeJSON(w, 200, map[string]string{"filename": "/x/y_a.jar", "status": "success"})
	})
	_, err := c.UploadJarFrom(context.Background(), "a.jar", &failingReader{n: 3})
	if err == nil || !strings.Contains(err.Error(), "disk went away") || strings.Contains(err.Error(), "no answer from the JobManager") {
		t.Fatalf("got %v", err)
	}
	if rec.count() > 1 {
		t.Errorf("a streamed upload was retried (%d requests)", rec.count())
	}
}
