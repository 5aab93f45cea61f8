package rest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
)

func TestRescaleJobSetsEveryVertexAndHonoursOverrides(t *testing.T) {
	const a, b = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	var put ResourceRequirements
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			_, _ = io.WriteString(w, `{"jid":"`+testJob+`","state":"RUNNING","vertices":[{"id":"`+a+`","parallelism":1},{"id":"`+b+`","parallelism":1}]}`)
		case http.MethodPut:
			_ = json.NewDecoder(r.Body).Decode(&put)
			writeJSON(w, 200, map[string]any{})
		}
	})
	if _, err := RescaleJob(context.Background(), c, testJob, 4, map[string]int{b: 2}); err != nil {
		t.Fatal(err)
	}
	want := ResourceRequirements{
		a: {Parallelism: ParallelismBounds{LowerBound: 1, UpperBound: 4}},
		b: {Parallelism: ParallelismBounds{LowerBound: 1, UpperBound: 2}},
	}
	if !reflect.DeepEqual(put, want) {
		t.Errorf("server got %v, want %v", put, want)
	}
}

func TestParseParallelismOverrides(t *testing.T) {
	got, err := ParseParallelismOverrides(" a:2, b:3 ,")
	if err != nil || !reflect.DeepEqual(got, map[string]int{"a": 2, "b": 3}) {
		t.Errorf("got %v %v", got, err)
	}
	if got, err := ParseParallelismOverrides(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"a", "a:x", "a:0", ":2"} {
		if _, err := ParseParallelismOverrides(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
