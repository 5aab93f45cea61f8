package logstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAppFilter(t *testing.T) {
	for _, c := range []struct {
		component, pod string
		since          time.Duration
		want           string
	}{
		{"", "", 24 * time.Hour, `_time:86400s kubernetes.pod_namespace:="team-a" kubernetes.pod_labels.app:="orders"`},
		{"taskmanager", "", time.Minute, `_time:60s kubernetes.pod_namespace:="team-a" kubernetes.pod_labels.app:="orders" kubernetes.pod_labels.component:="taskmanager"`},
		{"", "orders-taskmanager-1-2", time.Millisecond, `_time:1s kubernetes.pod_namespace:="team-a" kubernetes.pod_labels.app:="orders" kubernetes.pod_name:="orders-taskmanager-1-2"`},
	} {
		if got := AppFilter("team-a", "orders", c.component, c.pod, c.since); got != c.want {
			t.Errorf("AppFilter(%q, %q, %s) = %s, want %s", c.component, c.pod, c.since, got, c.want)
		}
	}
}

// Lines asks the newest `tail` lines and returns them oldest first; without a tail, all of
// them in time order.
func TestLinesTail(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Query().Get("query"))
		if r.URL.Path != "/select/logsql/query" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"_msg":"third","_time":"t3","kubernetes.pod_name":"p","level":"WARN"}` + "\n" + `{"_msg":"second","_time":"t2","kubernetes.pod_name":"p"}` + "\n"))
	}))
	defer srv.Close()
	c := New(srv.URL + "/")
	got, err := c.Lines(context.Background(), "F", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["_msg"] != "second" || got[1]["_msg"] != "third" {
		t.Errorf("lines %v, want second then third", got)
	}
	if Line(got[1]) != "[p] t3 WARN third" || Line(got[0]) != "[p] t2 second" {
		t.Errorf("Line: %q, %q", Line(got[0]), Line(got[1]))
	}
	if _, err := c.Lines(context.Background(), "F", 0); err != nil {
		t.Fatal(err)
	}
	if want := []string{"F | sort by (_time desc) | limit 2", "F | sort by (_time)"}; len(asked) != 2 || asked[0] != want[0] || asked[1] != want[1] {
		t.Errorf("queries %q, want %q", asked, want)
	}
}

func TestQueryErrorNamesTheStore(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cannot parse query", http.StatusBadRequest)
	}))
	defer srv.Close()
	_, err := New(srv.URL).Query(context.Background(), "(", 0)
	if err == nil || err.Error() != "log store "+srv.URL+": 400 Bad Request: cannot parse query" {
		t.Errorf("error %v", err)
	}
}
