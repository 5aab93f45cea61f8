package binaries

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func TestKubeWrapperGoModReplacesEveryStagingModule(t *testing.T) {
	upstream, err := os.ReadFile("testdata/kubernetes-upstream.mod")
	if err != nil {
		t.Fatal(err)
	}
	out, err := KubeWrapperGoMod(upstream, "1.34.2")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", out, nil)
	if err != nil {
		t.Fatalf("generated go.mod does not parse: %v\n%s", err, out)
	}
	if f.Module.Mod.Path != "x/kbuild" {
		t.Errorf("module = %q", f.Module.Mod.Path)
	}
	if f.Go == nil || f.Go.Version != "1.24.0" {
		t.Errorf("go line not copied: %+v", f.Go)
	}
	if len(f.Godebug) != 2 || f.Godebug[0].Key != "default" || f.Godebug[0].Value != "go1.24" {
		t.Errorf("godebug lines not copied: %s", out)
	}
	if len(f.Require) != 1 || f.Require[0].Mod.Path != "k8s.io/kubernetes" || f.Require[0].Mod.Version != "v1.34.2" {
		t.Errorf("require = %+v", f.Require)
	}
	want := map[string]bool{"k8s.io/api": true, "k8s.io/client-go": true, "k8s.io/component-base": true}
	for _, r := range f.Replace {
		if !want[r.Old.Path] || r.New.Path != r.Old.Path || r.New.Version != "v0.34.2" {
			t.Errorf("unexpected replace %s => %s %s", r.Old.Path, r.New.Path, r.New.Version)
		}
		delete(want, r.Old.Path)
	}
	if len(want) != 0 {
		t.Errorf("missing replaces: %v", want)
	}
}

func TestKubeWrapperGoModRejectsOtherModules(t *testing.T) {
	_, err := KubeWrapperGoMod([]byte("module example.com/x\n\ngo 1.22\n"), "1.34.2")
	if err == nil || !strings.Contains(err.Error(), "staging") {
		t.Fatalf("want an error about missing staging replaces, got %v", err)
	}
	if _, err := KubeWrapperGoMod([]byte("module k8s.io/kubernetes\n"), "1.34"); err == nil {
		t.Fatal("want an error for a version without a patch number")
	}
}

func TestKubeLDFlagsStampsBothVersionPackages(t *testing.T) {
	got := KubeLDFlags("1.34.2", "2025-11-11T00:00:00Z")
	for _, p := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		for _, kv := range []string{".gitVersion=v1.34.2", ".gitMajor=1", ".gitMinor=34", ".gitTreeState=clean", ".buildDate=2025-11-11T00:00:00Z"} {
			if !strings.Contains(got, "-X "+p+kv) {
				t.Errorf("ldflags lack %s%s: %s", p, kv, got)
			}
		}
	}
	if !strings.HasPrefix(got, "-s -w ") {
		t.Errorf("ldflags should strip symbols: %s", got)
	}
}

func TestOrderPutsEnvtestBinariesFirst(t *testing.T) {
	all := All()
	for i, n := range EnvtestNames {
		if all[i].Name != n {
			t.Fatalf("binary %d is %s, want %s (envtest binaries build first)", i, all[i].Name, n)
		}
	}
	if _, err := Select("etcd", "nope"); err == nil {
		t.Fatal("Select accepted an unknown name")
	}
}
