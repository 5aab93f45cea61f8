package opconfig

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
		want  map[string]string
	}{
		{"flink-conf.yaml lines", map[string][]byte{FileFlinkConf: []byte(
			"# Flink Config Overrides\n" +
				"kubernetes.operator.reconcile.interval: 15 s   # trailing comment\n" +
				"taskmanager.numberOfTaskSlots: 2\n" +
				"not a setting\n" +
				"env.java.opts.all: -Da=b: c\n")},
			map[string]string{ReconcileInterval: "15 s", "taskmanager.numberOfTaskSlots": "2", "env.java.opts.all": "-Da=b: c"}},
		{"config.yaml nested", map[string][]byte{FileConfigYAML: []byte(
			"kubernetes:\n  operator:\n    reconcile:\n      parallelism: 20\n" +
				"    default-configuration:\n      namespace:\n        team-a:\n          parallelism.default: 3\n" +
				"taskmanager.numberOfTaskSlots: 4\n")},
			map[string]string{ReconcileParallelism: "20", NamespaceDefaults + "team-a.parallelism.default": "3", "taskmanager.numberOfTaskSlots": "4"}},
		{"config.yaml wins over flink-conf.yaml", map[string][]byte{
			FileFlinkConf: []byte("a: 1\nb: 1\n"), FileConfigYAML: []byte("b: 2\n")},
			map[string]string{"a": "1", "b": "2"}},
		{"empty files", map[string][]byte{FileFlinkConf: nil, FileConfigYAML: []byte("# nothing\n")}, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.files)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := Parse(map[string][]byte{FileConfigYAML: []byte("[1, 2]")}); err == nil {
		t.Error("a config.yaml that is a list parsed")
	}
}

// Kubernetes swaps the ..data symlink of a ConfigMap volume; the store must see the new
// content through the same path and keep the last good config when a new one is broken.
func TestStoreReloadsThroughASymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	write := func(gen, content string) {
		d := filepath.Join(dir, gen)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, FileConfigYAML), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		_ = os.Remove(tmp)
		if err := os.Symlink(gen, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	write("gen1", "a: 1\n")
	if err := os.Symlink(filepath.Join("..data", FileConfigYAML), filepath.Join(dir, FileConfigYAML)); err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	changed := s.Changed()
	if v, _ := s.Current().Get("a"); v != "1" {
		t.Fatalf("a = %q", v)
	}
	write("gen2", "a: 2\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Poll(ctx, 10*time.Millisecond, func(bool, error) {})
	<-changed
	if v, _ := s.Current().Get("a"); v != "2" {
		t.Fatalf("after the swap a = %q", v)
	}
	cancel()
	write("gen3", "[broken")
	if ch, err := s.Reload(); err == nil || ch {
		t.Fatalf("a broken config loaded (changed=%v err=%v)", ch, err)
	}
	if ch, err := s.Reload(); err != nil || ch {
		t.Fatalf("the same broken config reported twice (changed=%v err=%v)", ch, err)
	}
	if v, _ := s.Current().Get("a"); v != "2" {
		t.Fatalf("a broken config replaced the good one: a = %q", v)
	}
}
