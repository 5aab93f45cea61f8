package image

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheKeysFollowInputs(t *testing.T) {
	a := flinkLayerKey("dist1", []byte("script"))
	if a != flinkLayerKey("dist1", []byte("script")) {
		t.Fatal("layer key not deterministic")
	}
	if a == flinkLayerKey("dist2", []byte("script")) || a == flinkLayerKey("dist1", []byte("script2")) {
		t.Fatal("layer key ignores an input")
	}
	cfg := flinkConfig()
	k := imageKey([]string{"b", "l"}, []string{"r"}, cfg)
	if k != imageKey([]string{"b", "l"}, []string{"r"}, flinkConfig()) {
		t.Fatal("image key not deterministic")
	}
	cfg.Env = append(cfg.Env, "X=1")
	for _, other := range []string{
		imageKey([]string{"b", "l2"}, []string{"r"}, flinkConfig()),
		imageKey([]string{"b", "l"}, []string{"r2"}, flinkConfig()),
		imageKey([]string{"b", "l"}, []string{"r"}, cfg),
	} {
		if other == k {
			t.Fatal("image key ignores an input")
		}
	}
	base := JavaBase
	base.Packages = append([]string{}, base.Packages...)
	base.Packages = append(base.Packages, "procps")
	if base.Key() == JavaBase.Key() {
		t.Fatal("base key ignores packages")
	}
}

func TestFlinkImagePath(t *testing.T) {
	p, err := FlinkImagePath("/c", "1.20")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p) != "/c/images" || !strings.HasPrefix(filepath.Base(p), "flink-1.20.0-") || !strings.HasSuffix(p, ".tar") {
		t.Fatalf("path %s", p)
	}
	if _, err := FlinkImagePath("/c", "1.19"); err == nil {
		t.Fatal("want an error for an unpinned version")
	}
}

func TestFlinkConfigMatchesOfficialContract(t *testing.T) {
	c := flinkConfig()
	if c.Entrypoint[0] != "/docker-entrypoint.sh" || c.WorkingDir != "/opt/flink" {
		t.Fatalf("config %+v", c)
	}
	env := strings.Join(c.Env, "\n")
	for _, want := range []string{"PATH=/opt/flink/bin:", "FLINK_HOME=/opt/flink", "JAVA_HOME=" + JavaHomeInBase} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
}
