package controller_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	flinkrest "weir.dev/weir/internal/flink/rest"
)

// The vertex ids of the fake job (GET /jobs/:id).
const fakeVertexA, fakeVertexB = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// jobFakes extends the fake JobManager with what session jobs and snapshots use: jar
// upload/run/delete with Flink's duplicate-job-id refusal, checkpoint triggers, savepoint
// disposal, and failing savepoints on demand; and the job's vertices and in-place rescales
// (RESCALE calls). Guarded by fakeFlink.mu.
type jobFakes struct {
	ran            map[string]map[string]bool // rest URL -> job ids ever started
	loseRunAnswer  map[string]bool            // rest URL -> next run starts the job but answers 500
	hidden         map[string]bool            // rest URL -> its job is not listed yet (still being registered)
	triggers       map[string][]string        // rest URL -> trigger ids of savepoint triggers, in order
	checkpoint     map[string]string          // rest URL -> the job's latest completed checkpoint
	real           map[string]string          // rest URL -> a real Flink REST URL that answers instead
	failSavepoints map[string]bool            // rest URL -> savepoints complete with a failure
	refuseRescale  map[string]bool            // rest URL -> the next resource-requirements PUT answers 400
	exceptions     map[string]string          // rest URL -> the job's exception history (JSON)
	failCheckpts   map[string]bool            // rest URL -> triggered checkpoints complete with a failure
	hangSavepoints map[string]bool            // rest URL -> savepoints stay IN_PROGRESS
	cpStats        map[string]string          // rest URL -> the job's whole checkpoint statistics (JSON)
}

// serveJobRoutes answers the routes of jobFakes; false leaves the request to serve.
func (f *fakeFlink) serveJobRoutes(w http.ResponseWriter, r *http.Request, cluster, jobID string) bool {
	if f.ran == nil {
		f.ran, f.loseRunAnswer, f.failSavepoints = map[string]map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	if f.hidden == nil {
		f.hidden, f.triggers, f.checkpoint = map[string]bool{}, map[string][]string{}, map[string]string{}
	}
	p := r.URL.Path
	call := func(s string) { f.calls[cluster] = append(f.calls[cluster], s) }
	if r.Method == http.MethodPost && p == "/jobs/"+jobID+"/savepoints" {
		// Note the trigger id; the trigger itself is answered by serve.
		b, _ := io.ReadAll(r.Body)
		var body struct {
			TriggerID string `json:"triggerId"`
		}
		_ = json.Unmarshal(b, &body)
		f.triggers[cluster] = append(f.triggers[cluster], body.TriggerID)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	switch {
	case r.Method == http.MethodGet && p == "/jobs/"+jobID+"/checkpoints" && f.cpStats[cluster] != "":
		fmt.Fprint(w, f.cpStats[cluster])
	case r.Method == http.MethodGet && p == "/jobs/"+jobID+"/checkpoints" && f.checkpoint[cluster] != "":
		fmt.Fprintf(w, `{"counts":{"completed":1},"latest":{"completed":{"id":42,"status":"COMPLETED","external_path":%q}},"history":[]}`, f.checkpoint[cluster])
	case r.Method == http.MethodGet && p == "/jobs/"+jobID+"/exceptions" && f.exceptions[cluster] != "":
		call("GET /jobs/:id/exceptions")
		fmt.Fprint(w, f.exceptions[cluster])
	case p == "/jobs/overview" && f.hidden[cluster]:
		fmt.Fprint(w, `{"jobs":[]}`)
	case r.Method == http.MethodPost && p == "/jars/upload":
		_, _ = io.Copy(io.Discard, r.Body)
		call("POST /jars/upload")
		fmt.Fprintf(w, `{"filename":"/tmp/flink-web/flink-web-upload/%d_job.jar","status":"success"}`, len(f.calls[cluster]))
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/jars/") && strings.HasSuffix(p, "/run"):
		var body struct {
			JobID         string `json:"jobId"`
			SavepointPath string `json:"savepointPath"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		call("RUN " + body.JobID + " " + body.SavepointPath)
		if f.ran[cluster][body.JobID] {
			delete(f.hidden, cluster) // registered by now
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"errors":["org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted."]}`)
			return true
		}
		if f.ran[cluster] == nil {
			f.ran[cluster] = map[string]bool{}
		}
		f.ran[cluster][body.JobID] = true
		f.ids[cluster], f.jobs[cluster] = body.JobID, "RUNNING"
		if f.loseRunAnswer[cluster] {
			delete(f.loseRunAnswer, cluster)
			f.hidden[cluster] = true
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"errors":["answer lost on its way back (test)"]}`)
			return true
		}
		fmt.Fprintf(w, `{"jobid":%q}`, body.JobID)
	case r.Method == http.MethodDelete && strings.HasPrefix(p, "/jars/"):
		call("DELETE " + p)
		fmt.Fprint(w, `{}`)
	case r.Method == http.MethodPost && p == "/jobs/"+jobID+"/checkpoints":
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		call(fmt.Sprintf("POST %s %v %v", p, body["triggerId"], body["checkpointType"]))
		fmt.Fprintf(w, `{"request-id":%q}`, body["triggerId"])
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/checkpoints/") && f.failCheckpts[cluster] &&
		!strings.HasSuffix(p, "/config") && !strings.Contains(p, "/details/"):
		fmt.Fprint(w, `{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"org.apache.flink.runtime.checkpoint.CheckpointException","stack-trace":"org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing (test)"}}}`)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/checkpoints/details/"):
		fmt.Fprint(w, `{"id":7,"status":"COMPLETED","external_path":"file:///flink-data/checkpoints/chk-7"}`)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/checkpoints/") && !strings.HasSuffix(p, "/config"):
		fmt.Fprint(w, `{"status":{"id":"COMPLETED"},"operation":{"checkpointId":7}}`)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/savepoints/") && f.hangSavepoints[cluster]:
		fmt.Fprint(w, `{"status":{"id":"IN_PROGRESS"}}`)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/jobs/"+jobID+"/savepoints/") && f.failSavepoints[cluster]:
		fmt.Fprint(w, `{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"java.util.concurrent.CompletionException","stack-trace":"java.util.concurrent.CompletionException: savepoint failed (test)"}}}`)
	case r.Method == http.MethodGet && p == "/jobs/"+jobID:
		// Two vertices, so a rescale must set each of them.
		fmt.Fprintf(w, `{"jid":%q,"name":"job","state":%q,"vertices":[{"id":%q,"name":"source","parallelism":1},{"id":%q,"name":"sink","parallelism":1}]}`,
			jobID, f.jobs[cluster], fakeVertexA, fakeVertexB)
	case r.Method == http.MethodPut && p == "/jobs/"+jobID+"/resource-requirements":
		var body flinkrest.ResourceRequirements
		_ = json.NewDecoder(r.Body).Decode(&body)
		call(fmt.Sprintf("RESCALE %s %d/%d", jobID,
			body[fakeVertexA].Parallelism.UpperBound, body[fakeVertexB].Parallelism.UpperBound))
		if f.refuseRescale[cluster] {
			delete(f.refuseRescale, cluster)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":["rescale refused (test)"]}`)
			return true
		}
		fmt.Fprint(w, `{}`)
	case r.Method == http.MethodPost && p == "/savepoint-disposal":
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		call("DISPOSE " + body["savepoint-path"])
		fmt.Fprintf(w, `{"request-id":%q}`, flinkrest.NewTriggerID())
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/savepoint-disposal/"):
		fmt.Fprint(w, `{"status":{"id":"COMPLETED"}}`)
	default:
		return false
	}
	return true
}

// loseNextRunAnswer makes the next jar run start its job but answer with an error, as
// when the answer is lost on the way back, and keeps the job out of the job list until
// the next run request (which Flink refuses as a duplicate), as while Flink registers it.
func (f *fakeFlink) loseNextRunAnswer(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loseRunAnswer == nil {
		f.ran, f.loseRunAnswer, f.failSavepoints = map[string]map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	f.loseRunAnswer[restURL] = true
}

// failSavepointsOf makes every savepoint of the cluster complete with a failure.
func (f *fakeFlink) failSavepointsOf(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSavepoints == nil {
		f.ran, f.loseRunAnswer, f.failSavepoints = map[string]map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	f.failSavepoints[restURL] = true
}

// hangSavepointsOf makes every savepoint of the cluster stay IN_PROGRESS (a stop leaves
// the job running), as while the JobManager is being shut down under it.
func (f *fakeFlink) hangSavepointsOf(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hangSavepoints == nil {
		f.hangSavepoints = map[string]bool{}
	}
	f.hangSavepoints[restURL] = true
}

// failCheckpointsOf makes every triggered checkpoint of the cluster complete with a failure.
func (f *fakeFlink) failCheckpointsOf(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failCheckpts == nil {
		f.failCheckpts = map[string]bool{}
	}
	f.failCheckpts[restURL] = true
}

// checkpointTriggers lists the distinct trigger ids (with the checkpoint type asked for)
// of the checkpoints triggered on restURL.
func (f *fakeFlink) checkpointTriggers(restURL string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range f.callsLike(restURL, "POST /jobs/") {
		if fields := strings.Fields(c); len(fields) == 4 && strings.HasSuffix(fields[1], "/checkpoints") && !seen[fields[2]] {
			seen[fields[2]] = true
			out = append(out, fields[2]+" "+fields[3])
		}
	}
	return out
}

// refuseNextRescale makes the next resource-requirements PUT fail (not retried by the client).
func (f *fakeFlink) refuseNextRescale(restURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuseRescale == nil {
		f.refuseRescale = map[string]bool{}
	}
	f.refuseRescale[restURL] = true
}

// started counts the distinct jobs the cluster was asked to start.
func (f *fakeFlink) started(restURL string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ran[restURL])
}

// callsLike lists the calls to restURL that start with prefix.
func (f *fakeFlink) callsLike(restURL, prefix string) []string {
	var out []string
	for _, c := range f.callsTo(restURL) {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// savepointTriggers lists the distinct trigger ids of the savepoints triggered on restURL.
func (f *fakeFlink) savepointTriggers(restURL string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, id := range f.triggers[restURL] {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// setCheckpoint makes the cluster report path as its job's latest completed checkpoint.
func (f *fakeFlink) setCheckpoint(restURL, path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.checkpoint == nil {
		f.hidden, f.triggers, f.checkpoint = map[string]bool{}, map[string][]string{}, map[string]string{}
	}
	f.checkpoint[restURL] = path
}

// routeToRealFlink makes the operator talk to a real Flink REST API for the cluster at restURL.
func (f *fakeFlink) routeToRealFlink(restURL, realURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.real == nil {
		f.real = map[string]string{}
	}
	f.real[restURL] = realURL
}

func (f *fakeFlink) realFlink(restURL string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.real[restURL]
}

// setExceptions makes the cluster's job report history (GET /jobs/:id/exceptions JSON).
func (f *fakeFlink) setExceptions(restURL, history string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exceptions == nil {
		f.exceptions = map[string]string{}
	}
	f.exceptions[restURL] = history
}
