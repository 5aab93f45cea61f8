package binaries

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// TraefikModule is Traefik's module path.
const TraefikModule = "github.com/traefik/traefik/v3"

// traefikExtModule is a module Traefik keeps inside its repository and points at with a
// local replace (./pkg/config/dynamic/ext); it is not published on its own and, being a
// nested module, is not in Traefik's module zip either. That replace is why
// `go install traefik@version` fails.
const traefikExtModule = "github.com/traefik/traefik/dynamic/ext"

// traefikExtDir is where the wrapper holds its copy of that module.
const traefikExtDir = "ext"

// The module proxy refuses the go-http-auth fork upstream replaces the original with. The
// wrapper uses a copy of the original's last release plus the two functions Traefik calls
// that only the fork has (goauthCompat); they back only the basic and digest auth
// middlewares, which the local platform does not use.
const (
	goauthFork    = "github.com/containous/go-http-auth"
	goauthModule  = "github.com/abbot/go-http-auth"
	goauthVersion = "v0.4.0"
	goauthDir     = "go-http-auth"
)

// goauthCompat adds to go-http-auth v0.4.0 what Traefik uses of the fork: CheckSecret,
// which v0.4.0's BasicAuth.CheckAuth does inline, and RequireAuthStale, for which v0.4.0
// (whose CheckAuth never reports a stale nonce) has plain RequireAuth.
const goauthCompat = `package auth

import (
	"net/http"
	"strings"
)

// CheckSecret reports whether password matches secret, an htpasswd hash.
func CheckSecret(password, secret string) bool {
	compare := compareFuncs[0].compare
	for _, c := range compareFuncs[1:] {
		if strings.HasPrefix(secret, c.prefix) {
			compare = c.compare
			break
		}
	}
	return compare([]byte(secret), []byte(password)) == nil
}

// RequireAuthStale asks for credentials again.
func (a *DigestAuth) RequireAuthStale(w http.ResponseWriter, r *http.Request) { a.RequireAuth(w, r) }
`

// TraefikWrapperGoMod turns Traefik's go.mod into a wrapper module that can build
// cmd/traefik: it requires Traefik at version, keeps upstream's replaces of forks and its
// excludes (a dependency's main module has neither applied), and points the unpublished
// extension module and the go-http-auth fork at the wrapper's own directories.
func TraefikWrapperGoMod(upstream []byte, version string) ([]byte, error) {
	up, err := modfile.Parse("go.mod", upstream, nil)
	if err != nil {
		return nil, fmt.Errorf("parse upstream go.mod: %w", err)
	}
	if up.Module == nil || up.Module.Mod.Path != TraefikModule {
		return nil, fmt.Errorf("upstream go.mod is not %s's", TraefikModule)
	}
	out, err := wrapperHead("x/traefikbuild", up, TraefikModule, "v"+version)
	if err != nil {
		return nil, err
	}
	ext := false
	for _, r := range up.Replace {
		switch {
		case r.Old.Path == traefikExtModule:
			ext = true
			err = out.AddReplace(r.Old.Path, "", "./"+traefikExtDir, "")
		case modfile.IsDirectoryPath(r.New.Path):
			return nil, fmt.Errorf("upstream replaces %s with the local directory %s, which the wrapper cannot provide", r.Old.Path, r.New.Path)
		case r.Old.Path == goauthModule && r.New.Path == goauthFork:
			err = out.AddReplace(r.Old.Path, r.Old.Version, "./"+goauthDir, "")
		default:
			err = out.AddReplace(r.Old.Path, r.Old.Version, r.New.Path, r.New.Version)
		}
		if err != nil {
			return nil, err
		}
	}
	if !ext {
		return nil, fmt.Errorf("upstream go.mod does not replace %s; update the wrapper for this version", traefikExtModule)
	}
	for _, e := range up.Exclude {
		if err := out.AddExclude(e.Mod.Path, e.Mod.Version); err != nil {
			return nil, err
		}
	}
	out.Cleanup()
	return out.Format()
}

// traefikExtFiles is the extension module as open-source Traefik has it: the hooks
// pkg/config/dynamic embeds into its HTTP configuration and routers, empty.
var traefikExtFiles = map[string]string{
	"go.mod": "module " + traefikExtModule + "\n\ngo 1.24.0\n",
	"ext.go": `// Package ext holds the extension points of Traefik's dynamic configuration; open-source
// Traefik leaves them empty.
package ext

// HTTP extends the dynamic HTTP configuration.
type HTTP struct{}

// Router extends an HTTP router.
type Router struct{}
`,
}

// traefikLDFlags stamps the version and release date Traefik reports (its Makefile does
// the same), and strips symbols.
func traefikLDFlags(version, buildDate string) string {
	p := TraefikModule + "/pkg/version"
	return fmt.Sprintf("-s -w -X %s.Version=v%s -X %s.BuildDate=%s", p, version, p, buildDate)
}

func (b *Builder) buildTraefik(ctx context.Context, x Binary, tmp string) error {
	dir := b.Cache.WrapperDir(x.Group, x.Version)
	if err := b.prepareTraefikWrapper(ctx, dir, x); err != nil {
		return err
	}
	date, err := os.ReadFile(filepath.Join(dir, "build-date"))
	if err != nil {
		return err
	}
	// -mod=mod: go.sum gets the sums of exactly the modules the build imports; `go get`
	// would load (and fail on) the dropped providers' SDKs.
	return b.goCmd(ctx, dir, x.Name, "build", "-mod=mod", "-trimpath",
		"-ldflags", traefikLDFlags(x.Version, strings.TrimSpace(string(date))), "-o", tmp, x.Package)
}

// prepareTraefikWrapper writes the wrapper module and its copies of lego and go-http-auth
// once; the ready marker says all are complete.
func (b *Builder) prepareTraefikWrapper(ctx context.Context, dir string, x Binary) error {
	if _, err := os.Stat(filepath.Join(dir, wrapperReady)); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, traefikExtDir), 0o755); err != nil {
		return err
	}
	upstream, buildDate, err := b.downloadModule(ctx, x.Name, TraefikModule+"@v"+x.Version)
	if err != nil {
		return err
	}
	gomod, err := TraefikWrapperGoMod(upstream, x.Version)
	if err != nil {
		return err
	}
	files := map[string][]byte{"go.mod": gomod, "build-date": []byte(buildDate + "\n")}
	for name, data := range traefikExtFiles {
		files[filepath.Join(traefikExtDir, name)] = []byte(data)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	// Go refuses overlays of files in the module cache: the wrapper builds from a copy of
	// lego (the version Traefik's build list selects) with the rewritten registry.
	lego, err := b.copyModule(ctx, dir, x.Name, legoModule, traefikLegoDir)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(lego, legoRegistry))
	if err != nil {
		return err
	}
	providers, err := LegoDNSProviders(src)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", legoRegistry, legoModule, err)
	}
	patched, err := DropLegoDNSProviders(src, providers)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", legoRegistry, legoModule, err)
	}
	if err := os.WriteFile(filepath.Join(lego, legoRegistry), patched, 0o644); err != nil {
		return err
	}
	if err := b.goCmd(ctx, dir, x.Name, "mod", "edit", "-replace="+legoModule+"=./"+traefikLegoDir); err != nil {
		return err
	}
	goauth, err := b.copyModule(ctx, dir, x.Name, goauthModule+"@"+goauthVersion, goauthDir)
	if err != nil {
		return err
	}
	// v0.4.0 predates modules; a replacement directory needs a go.mod.
	for name, data := range map[string]string{"go.mod": "module " + goauthModule + "\n\ngo 1.12\n", "weir_compat.go": goauthCompat} {
		if err := os.WriteFile(filepath.Join(goauth, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, wrapperReady), nil, 0o644)
}

// copyModule downloads mod and copies it, writable, to sub of the wrapper dir. In the
// wrapper, a bare module path means the version its build list selects; path@version is
// downloaded outside it, where the wrapper's replaces do not apply.
func (b *Builder) copyModule(ctx context.Context, dir, logName, mod, sub string) (string, error) {
	from := dir
	if strings.Contains(mod, "@") {
		from = filepath.Join(b.Cache.Root, "build", "scratch")
	}
	raw, err := b.goOutput(ctx, from, logName, "mod", "download", "-json", mod)
	if err != nil {
		return "", err
	}
	var dl struct{ Dir, Error string }
	if err := json.Unmarshal(raw, &dl); err != nil {
		return "", fmt.Errorf("parse `go mod download -json` output: %w", err)
	}
	if dl.Dir == "" {
		return "", fmt.Errorf("download %s: %s", mod, dl.Error)
	}
	dst := filepath.Join(dir, sub)
	if err := os.RemoveAll(dst); err != nil {
		return "", err
	}
	if err := os.CopyFS(dst, os.DirFS(dl.Dir)); err != nil {
		return "", fmt.Errorf("copy %s: %w", dl.Dir, err)
	}
	return dst, nil
}
