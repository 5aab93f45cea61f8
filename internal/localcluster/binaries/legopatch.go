package binaries

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// Traefik links every ACME DNS provider of lego (about 180, each with its cloud's SDK)
// through lego's registry of them. The local platform serves plain HTTP and never asks for
// a certificate, and those SDKs are most of Traefik's build: two fifths of its packages and
// half of its module downloads, and a few are refused by the module proxy weir builds from.
// So the wrapper builds Traefik against a copy of lego whose registry has no DNS provider
// at all; a DNS-01 challenge then fails with lego's own "unrecognized DNS provider".
const (
	legoModule     = "github.com/go-acme/lego/v5"
	legoRegistry   = "providers/dns/zz_gen_dns_providers.go"
	traefikLegoDir = "lego" // the wrapper's copy of lego, which its go.mod points at
)

// LegoDNSProviders lists the provider packages lego's registry imports, by package name.
func LegoDNSProviders(src []byte) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), legoRegistry, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range f.Imports {
		path, err := strconv.Unquote(s.Path.Value)
		if err != nil {
			return nil, err
		}
		if name, ok := strings.CutPrefix(path, legoModule+"/providers/dns/"); ok {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lego's provider registry imports no provider of %s/providers/dns", legoModule)
	}
	return out, nil
}

// DropLegoDNSProviders rewrites lego's provider registry (a switch over provider names,
// each case calling <package>.NewDNSProvider) without the given provider packages: their
// imports and the cases that use them go. Each must be found, so a lego upgrade that
// renames one fails here instead of at download time.
func DropLegoDNSProviders(src []byte, drop []string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, legoRegistry, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	imported := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		g.Specs = slices.DeleteFunc(g.Specs, func(s ast.Spec) bool {
			path, err := strconv.Unquote(s.(*ast.ImportSpec).Path.Value)
			if err != nil || !strings.HasPrefix(path, legoModule+"/providers/dns/") {
				return false
			}
			name := strings.TrimPrefix(path, legoModule+"/providers/dns/")
			if slices.Contains(drop, name) {
				imported[name] = true
				return true
			}
			return false
		})
	}
	cases := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		sw, ok := n.(*ast.SwitchStmt)
		if !ok {
			return true
		}
		sw.Body.List = slices.DeleteFunc(sw.Body.List, func(s ast.Stmt) bool {
			uses := usedPackage(s, drop)
			if uses != "" {
				cases[uses] = true
			}
			return uses != ""
		})
		return true
	})
	f.Comments = nil // comments would land in the wrong places once nodes are gone
	for _, name := range drop {
		if !imported[name] || !cases[name] {
			return nil, fmt.Errorf("lego's provider registry has no import and case of %q", name)
		}
	}
	var out bytes.Buffer
	if err := format.Node(&out, fset, f); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// usedPackage returns the first of pkgs that n refers to as pkg.Name, or "".
func usedPackage(n ast.Node, pkgs []string) string {
	found := ""
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && slices.Contains(pkgs, id.Name) && found == "" {
				found = id.Name
			}
		}
		return found == ""
	})
	return found
}
