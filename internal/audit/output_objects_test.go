package audit

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReadObjects(t *testing.T) {
	objects := map[string]string{
		"ns/app/part-a-0.jsonl":         `{"kind":"change","userId":"u1","audience":"a","change":"enter","count":1,"seq":1,"ts":5}` + "\n",
		"ns/app/sub/part-a-1.jsonl":     `{"kind":"snapshot","userId":"u1","count":1}` + "\n",
		"ns/app/_part-a-2.jsonl_tmp_x":  "not json",
		"ns/app/.hidden/part-a-3.jsonl": "not json",
		"ns/other/part-b-0.jsonl":       "not json",
		"ns/app/":                       "",
	}
	var keys []string
	for k := range objects {
		keys = append(keys, k)
	}
	open := func(k string) (io.ReadCloser, error) {
		s, ok := objects[k]
		if !ok {
			return nil, errors.New("no such key")
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	out, err := ReadObjects("ns/app", keys, open)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ns/app/part-a-0.jsonl", "ns/app/sub/part-a-1.jsonl"}; !reflect.DeepEqual(out.Files, want) {
		t.Errorf("files %v, want %v", out.Files, want)
	}
	if len(out.Skipped) != 2 {
		t.Errorf("skipped %v, want the two hidden keys", out.Skipped)
	}
	if len(out.Changes) != 1 || out.Changes[0].UserID != "u1" || len(out.Snapshots) != 1 {
		t.Errorf("read %+v", out)
	}
	objects["ns/app/part-a-0.jsonl"] = "{"
	if _, err := ReadObjects("ns/app", keys, open); err == nil || !strings.Contains(err.Error(), "ns/app/part-a-0.jsonl:1") {
		t.Errorf("a broken object: %v, want an error naming it", err)
	}
}
