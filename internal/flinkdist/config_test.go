package flinkdist

import (
	"reflect"
	"strings"
	"testing"
)

func TestFlattenConfig(t *testing.T) {
	in := `
env:
  java:
    opts:
      all: --add-opens=java.base/java.util=ALL-UNNAMED
jobmanager:
  rpc:
    port: 6123
  memory.process.size: 1600m
taskmanager.numberOfTaskSlots: 1
pipeline.classpaths: [a.jar, b.jar]
high-availability.type:
rest.flamegraph.enabled: true
`
	got, err := FlattenConfig([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"env.java.opts.all":              "--add-opens=java.base/java.util=ALL-UNNAMED",
		"jobmanager.rpc.port":            "6123",
		"jobmanager.memory.process.size": "1600m",
		"taskmanager.numberOfTaskSlots":  "1",
		"pipeline.classpaths":            "a.jar;b.jar",
		"high-availability.type":         "",
		"rest.flamegraph.enabled":        "true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if _, err := FlattenConfig([]byte("a: [")); err == nil {
		t.Fatal("want a parse error")
	}
}

func TestRenderConfigRoundTrips(t *testing.T) {
	c := map[string]string{"b.key": "x: y", "a.key": "6123", "c": "--add-opens=a=b"}
	out, err := RenderConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "a.key:") {
		t.Errorf("not sorted:\n%s", out)
	}
	back, err := FlattenConfig(out)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip = %v, %v", back, err)
	}
}
