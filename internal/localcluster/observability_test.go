package localcluster

import (
	"os"
	"slices"
	"strings"
	"testing"

	"weir.dev/weir/internal/localcluster/binaries"
)

func TestWithIsRememberedAndChecked(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	if with, err := mergeWith(l, nil); err != nil || with != nil {
		t.Fatalf("nothing asked, nothing recorded: %v, %v", with, err)
	}
	if _, err := os.Stat(l.WithFile()); !os.IsNotExist(err) {
		t.Fatalf("a plain up wrote %s", l.WithFile())
	}
	if _, err := mergeWith(l, []string{"grafana"}); err == nil || !strings.Contains(err.Error(), "observability") {
		t.Fatalf("an unknown feature should be refused naming the known ones: %v", err)
	}
	if with, err := mergeWith(l, []string{FeatureObservability}); err != nil || !slices.Equal(with, []string{FeatureObservability}) {
		t.Fatalf("with = %v, %v", with, err)
	}
	// A later plain up, status or down knows it.
	if with, err := mergeWith(l, nil); err != nil || !slices.Equal(with, []string{FeatureObservability}) {
		t.Fatalf("later with = %v, %v", with, err)
	}
	if with, err := loadWith(l); err != nil || !slices.Equal(with, []string{FeatureObservability}) {
		t.Fatalf("loaded with = %v, %v", with, err)
	}
}

func TestObservabilityIsOptInAndHostOnly(t *testing.T) {
	for _, b := range runtimeBinaries() {
		if binaries.Optional(b) {
			t.Errorf("a plain up builds %s", b.Name)
		}
	}
	if len(featureBinaries(nil)) != 0 || len(featureBinaries([]string{FeatureObservability})) != 4 {
		t.Errorf("feature binaries: %v / %v", featureBinaries(nil), featureBinaries([]string{FeatureObservability}))
	}
	ds := featureDaemons(Daemons(Layout{Root: "/d"}, Binaries{}), FeatureObservability)
	if len(ds) != 4 {
		t.Fatalf("observability daemons: %v", ds)
	}
	for _, d := range ds {
		// Pods reach the host through the bridge IP; nothing of this may listen there.
		for _, p := range d.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s listens on %s, want loopback only", d.Name, p)
			}
		}
		for _, a := range d.Args {
			if strings.HasPrefix(a, "-httpListenAddr=") && a != "-httpListenAddr="+d.Ports[0] {
				t.Errorf("%s: %s does not match its checked port %s", d.Name, a, d.Ports[0])
			}
		}
	}
}
