package opconfig

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultsPrecedence(t *testing.T) {
	cfg := New(map[string]string{
		"taskmanager.numberOfTaskSlots": "1",
		"state.backend.type":            "hashmap",
		"parallelism.default":           "1",
		RollbackEnabled:                 "true",
		ReconcileInterval:               "30 s",
		ArtifactsAllowedSchemes:         "https",
		VersionDefaults + "v1_18+.taskmanager.numberOfTaskSlots":                   "2",
		VersionDefaults + "v1_19+.taskmanager.numberOfTaskSlots":                   "3",
		VersionDefaults + "v1_20.taskmanager.numberOfTaskSlots":                    "4",
		VersionDefaults + "v1_20.state.backend.type":                               "rocksdb",
		VersionDefaults + "v2_0.parallelism.default":                               "9",
		VersionDefaults + "v1_20." + ReconcileInterval:                             "1 s",
		NamespaceDefaults + "team-a.taskmanager.numberOfTaskSlots":                 "8",
		NamespaceDefaults + "team-a." + ArtifactsAllowedSchemes:                    "file",
		NamespaceDefaults + "team-b.parallelism.default":                           "5",
		NamespaceDefaults + "team-a.kubernetes.operator.job.restart.failed":        "true",
		NamespaceDefaults + "team-a-suffix.kubernetes.operator.job.restart.failed": "false",
	})
	base := map[string]string{"state.backend.type": "hashmap", "parallelism.default": "1", RollbackEnabled: "true"}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name, ns, version string
		want              map[string]string
	}{
		{"operator defaults only", "other", "", with("taskmanager.numberOfTaskSlots", "1")},
		{"v1_18+ applies to 1.18", "other", "v1_18", with("taskmanager.numberOfTaskSlots", "2")},
		{"the higher + layer wins", "other", "v1_19", with("taskmanager.numberOfTaskSlots", "3")},
		{"the exact version wins over + layers", "other", "v1_20",
			with("taskmanager.numberOfTaskSlots", "4", "state.backend.type", "rocksdb")},
		{"+ layers reach later majors", "other", "v2_1", with("taskmanager.numberOfTaskSlots", "3")},
		{"a lower version gets none", "other", "v1_17", with("taskmanager.numberOfTaskSlots", "1")},
		// FKO's order: a version default wins over a namespace default.
		{"version beats namespace", "team-a", "v1_20",
			with("taskmanager.numberOfTaskSlots", "4", "state.backend.type", "rocksdb", RestartFailed, "true")},
		{"namespace beats operator-wide", "team-a", "v1_17",
			with("taskmanager.numberOfTaskSlots", "8", RestartFailed, "true")},
		{"exact version beats namespace", "team-b", "v2_0",
			with("taskmanager.numberOfTaskSlots", "3", "parallelism.default", "9")},
		{"namespace default where no version sets the key", "team-b", "v1_20",
			with("taskmanager.numberOfTaskSlots", "4", "state.backend.type", "rocksdb", "parallelism.default", "5")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cfg.Defaults(tc.ns, tc.version); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Defaults(%q, %q) =\n %v\nwant\n %v", tc.ns, tc.version, got, tc.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	defaults := map[string]string{"parallelism.default": "2", RollbackEnabled: "true"}
	tests := []struct {
		name             string
		resource         map[string]string
		want             map[string]string
		ignored, unknown []string
	}{
		{"nothing of its own", nil, map[string]string{"parallelism.default": "2", RollbackEnabled: "true"}, nil, nil},
		{"the resource wins",
			map[string]string{"parallelism.default": "4", RollbackEnabled: "false"},
			map[string]string{"parallelism.default": "4", RollbackEnabled: "false"}, nil, nil},
		{"operator-only keys are dropped",
			map[string]string{ArtifactsAllowedSchemes: "file", ReconcileInterval: "1 ms", ReconcileParallelism: "1000",
				WatchedNamespaces: "x", LabelSelector: "a=b", NamespaceDefaults + "x.a": "b"},
			map[string]string{"parallelism.default": "2", RollbackEnabled: "true"},
			[]string{NamespaceDefaults + "x.a", LabelSelector, ReconcileInterval, ReconcileParallelism, ArtifactsAllowedSchemes, WatchedNamespaces}, nil},
		{"unknown operator keys are kept and named",
			map[string]string{"kubernetes.operator.no.such.key": "1", "kubernetes.jobmanager.replicas": "1"},
			map[string]string{"parallelism.default": "2", RollbackEnabled: "true", "kubernetes.operator.no.such.key": "1", "kubernetes.jobmanager.replicas": "1"},
			nil, []string{"kubernetes.operator.no.such.key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(defaults)
			r := Merge(defaults, tc.resource)
			if !reflect.DeepEqual(r.Conf, tc.want) || !reflect.DeepEqual(r.Ignored, tc.ignored) || !reflect.DeepEqual(r.Unknown, tc.unknown) {
				t.Errorf("Merge = %+v\nwant conf %v ignored %v unknown %v", r, tc.want, tc.ignored, tc.unknown)
			}
			if len(defaults) != before {
				t.Error("Merge changed its input")
			}
		})
	}
}

func TestConfigWarnings(t *testing.T) {
	cfg := New(map[string]string{
		"kubernetes.operator.metrics.reporter.slf4j.interval": "5 MINUTE",
		RollbackEnabled: "true",
		NamespaceDefaults + "a." + ReconcileInterval:       "1 s",
		VersionDefaults + "v1_20.kubernetes.operator.nope": "1",
		NamespaceDefaults + "a":                            "x",
		"taskmanager.numberOfTaskSlots":                    "2",
	})
	got := strings.Join(cfg.Warnings(), "\n")
	for _, want := range []string{
		"unknown operator key kubernetes.operator.metrics.reporter.slf4j.interval",
		ReconcileInterval + " is operator-only",
		"unknown operator key kubernetes.operator.nope",
		NamespaceDefaults + "a: no key",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, RollbackEnabled) || strings.Contains(got, "numberOfTaskSlots") {
		t.Errorf("warned about a known key:\n%s", got)
	}
}

func TestEveryTableKeyIsAnOperatorKey(t *testing.T) {
	for _, k := range SortedKeys() {
		if !IsOperatorKey(k) || !Known(k) || Keys[k].Doc == "" {
			t.Errorf("%s: not a documented operator key", k)
		}
	}
	for _, k := range []string{ArtifactsAllowedSchemes, ReconcileInterval, ReconcileParallelism, WatchedNamespaces, LabelSelector} {
		if !OperatorOnlyKey(k) {
			t.Errorf("%s must be operator-only", k)
		}
	}
}

// docs/operator-config.md lists every key of the table, and which are operator-only.
func TestDocsListEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../docs/operator-config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range SortedKeys() {
		row := "| `" + k + "` | "
		i := strings.Index(doc, row)
		if i < 0 {
			t.Errorf("docs/operator-config.md has no row for %s", k)
			continue
		}
		line, _, _ := strings.Cut(doc[i:], "\n")
		if only := strings.Contains(line, "operator only"); only != (Keys[k].Scope == OperatorOnly) {
			t.Errorf("docs/operator-config.md: %s operator-only is %v, the table says %v", k, only, !only)
		}
	}
}
