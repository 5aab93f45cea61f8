package image

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"localhost/weir/flink:1.20.0": "localhost/weir/flink:1.20.0",
		"localhost/weir/pause:1":      "localhost/weir/pause:1",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Short names gain the default registry and the library/ namespace; no tag means latest.
	short, err := Normalize("flink:1.20")
	if err != nil || !strings.HasSuffix(short, "/library/flink:1.20") || strings.Count(short, "/") != 2 {
		t.Errorf("Normalize(flink:1.20) = %q, %v", short, err)
	}
	latest, _ := Normalize("flink")
	if latest != strings.TrimSuffix(short, "1.20")+"latest" {
		t.Errorf("Normalize(flink) = %q", latest)
	}
	if _, err := Normalize("Flink:UPPER"); err == nil {
		t.Error("want an error for an invalid reference")
	}
}

func TestFlinkRefs(t *testing.T) {
	refs, err := FlinkRefs("2.3.0")
	if err != nil || len(refs) != 2 {
		t.Fatal(refs, err)
	}
	official, _ := Normalize("flink:2.3")
	if refs[0] != official || refs[1] != "localhost/weir/flink:2.3.0" {
		t.Fatalf("refs = %v", refs)
	}
}
