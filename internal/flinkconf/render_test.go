package flinkconf

import (
	"strconv"
	"strings"
	"testing"

	yaml3 "go.yaml.in/yaml/v3"
)

func TestRenderLegacy(t *testing.T) {
	name, content, err := Render("v1_20", Conf{"b.key": "x y", "a.key": "local:///j.jar", "empty": ""})
	if err != nil {
		t.Fatal(err)
	}
	if name != "flink-conf.yaml" {
		t.Errorf("file name = %q", name)
	}
	if want := "a.key: local:///j.jar\nb.key: x y\n"; content != want {
		t.Errorf("content = %q, want %q", content, want)
	}
	for _, bad := range []Conf{{"a": "x#y"}, {"a": "x\ny"}, {"a: b": "c"}, {" ": "c"}} {
		if _, _, err := Render("v1_19", bad); err == nil {
			t.Errorf("Render(%v) must fail on 1.x", bad)
		}
	}
}

// TestRenderStandardYAML parses the 2.x file back with a YAML 1.2 parser: every value must
// come back as the same string (or a scalar Flink prints as the same string).
func TestRenderStandardYAML(t *testing.T) {
	c := Conf{
		"high-availability.type":        "kubernetes",
		"high-availability.storageDir":  "s3://b/ha",
		"taskmanager.numberOfTaskSlots": "2",
		"web.cancel.enable":             "false",
		"pipeline.jars":                 "local:///opt/flink/usrlib/job.jar",
		"$internal.application.main":    "org.example.Main",
		"a.yes":                         "yes",
		"a.null":                        "null",
		"a.hash":                        "x # y",
		"a.colon":                       "x: y",
		"a.quote":                       `say "hi" \ there`,
		"a.newline":                     "line1\nline2",
		"a.leading":                     "-Xmx1g",
		"a.octal":                       "0755",
		"a.float":                       "1e3",
		"a.duration":                    "10 s",
		"a.empty":                       "",
		"a.flow":                        "[a, b]",
		"a.unicode":                     "héllo\u2028",
		"weird:key":                     "v",
		"a.tab":                         "\tx",
		"a.star":                        "*alias",
		"a.bang":                        "!tag",
	}
	name, content, err := Render("v2_1", c)
	if err != nil {
		t.Fatal(err)
	}
	if name != "config.yaml" {
		t.Errorf("file name = %q", name)
	}
	var back map[string]any
	if err := yaml3.Unmarshal([]byte(content), &back); err != nil {
		t.Fatalf("config.yaml is not valid YAML: %v\n%s", err, content)
	}
	if len(back) != len(c) {
		t.Errorf("got %d keys back, want %d", len(back), len(c))
	}
	for k, want := range c {
		got, ok := back[k]
		if !ok {
			t.Errorf("key %q missing from\n%s", k, content)
			continue
		}
		var s string
		switch v := got.(type) {
		case string:
			s = v
		case int:
			s = strconv.Itoa(v)
		case bool:
			s = map[bool]string{true: "true", false: "false"}[v]
		default:
			t.Errorf("key %q came back as %T %v", k, got, got)
			continue
		}
		if s != want {
			t.Errorf("key %q came back as %q, want %q", k, s, want)
		}
	}
	if !strings.Contains(content, "high-availability.type: kubernetes\n") {
		t.Errorf("plain values should stay plain:\n%s", content)
	}
}
