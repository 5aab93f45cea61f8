package binaries

import (
	"fmt"
	"strings"

	"golang.org/x/mod/modfile"
)

// KubeWrapperGoMod turns upstream k8s.io/kubernetes' go.mod into a wrapper module
// that can build its commands: upstream replaces each staging module with a local
// directory, which `go install` refuses; the wrapper points every one of them at
// its published v0.MINOR.PATCH release instead.
func KubeWrapperGoMod(upstream []byte, version string) ([]byte, error) {
	up, err := modfile.Parse("go.mod", upstream, nil)
	if err != nil {
		return nil, fmt.Errorf("parse upstream go.mod: %w", err)
	}
	parts := strings.SplitN(version, ".", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", version)
	}
	staging := "v0." + parts[1] + "." + parts[2]

	out, err := wrapperHead("x/kbuild", up, "k8s.io/kubernetes", "v"+version)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, r := range up.Replace {
		if !strings.HasPrefix(r.New.Path, "./staging/src/") {
			continue
		}
		if err := out.AddReplace(r.Old.Path, "", r.Old.Path, staging); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("upstream go.mod has no ./staging/src replace lines; is this k8s.io/kubernetes?")
	}
	out.Cleanup()
	return out.Format()
}

// wrapperHead starts the go.mod of a wrapper module named name that builds the commands of
// module require at version: upstream's go directive and godebug settings (its build
// semantics), then the one requirement. Each wrapper adds its own replaces.
func wrapperHead(name string, up *modfile.File, require, version string) (*modfile.File, error) {
	out := &modfile.File{Syntax: &modfile.FileSyntax{}}
	if err := out.AddModuleStmt(name); err != nil {
		return nil, err
	}
	if up.Go != nil {
		if err := out.AddGoStmt(up.Go.Version); err != nil {
			return nil, err
		}
	}
	for _, g := range up.Godebug {
		if err := out.AddGodebug(g.Key, g.Value); err != nil {
			return nil, err
		}
	}
	if err := out.AddRequire(require, version); err != nil {
		return nil, err
	}
	return out, nil
}

// EtcdWrapperGoMod is the wrapper module for etcd's server.
func EtcdWrapperGoMod(version string) []byte {
	return []byte(fmt.Sprintf("module x/etcdbuild\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 v%s\n", version))
}

// EtcdWrapperMain is the whole etcd command: etcdmain does the work.
const EtcdWrapperMain = `package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`
