package terraform

// Reading and evaluating the modules' HCL as Terraform would, for the pieces the contract
// tests need: every .tf file parsed, locals evaluated to a fixpoint, attributes of one block
// evaluated with the variables, each.* and module outputs a test supplies. Providers are not
// involved: resources and data sources are only read as blocks of expressions.

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"sigs.k8s.io/yaml"
)

// module is one directory of .tf files.
type module struct {
	dir    string
	blocks []*hclsyntax.Block
}

// tfFiles lists every .tf file under root.
func tfFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
			return filepath.SkipDir // .terraform
		}
		if !d.IsDir() && strings.HasSuffix(p, ".tf") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// parse parses one .tf file, failing the test on any syntax error.
func parse(t *testing.T, file string) *hclsyntax.Body {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCLFile(file)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", file, diags.Error())
	}
	return f.Body.(*hclsyntax.Body)
}

func loadModule(t *testing.T, dir string) *module {
	t.Helper()
	m := &module{dir: dir}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s (%v)", dir, err)
	}
	for _, f := range files {
		m.blocks = append(m.blocks, parse(t, f).Blocks...)
	}
	return m
}

// block returns the block of this type and labels; the test fails when there is none.
func (m *module) block(t *testing.T, typ string, labels ...string) *hclsyntax.Block {
	t.Helper()
	for _, b := range m.blocks {
		if b.Type == typ && strings.Join(b.Labels, "/") == strings.Join(labels, "/") {
			return b
		}
	}
	t.Fatalf("%s: no %s %q block", m.dir, typ, labels)
	return nil
}

// children returns b's nested blocks of one type (dynamic blocks are not expanded).
func children(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// vars returns the module's variable defaults overlaid with the given inputs.
func (m *module) vars(t *testing.T, inputs map[string]cty.Value) cty.Value {
	t.Helper()
	out := map[string]cty.Value{}
	for _, b := range m.blocks {
		if b.Type != "variable" {
			continue
		}
		if a, ok := b.Body.Attributes["default"]; ok {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("%s: variable %s: %s", m.dir, b.Labels[0], diags.Error())
			}
			out[b.Labels[0]] = v
		}
	}
	for k, v := range inputs {
		if _, ok := m.variable(k); !ok {
			t.Fatalf("%s: no variable %q", m.dir, k)
		}
		out[k] = v
	}
	return cty.ObjectVal(out)
}

func (m *module) variable(name string) (*hclsyntax.Block, bool) {
	for _, b := range m.blocks {
		if b.Type == "variable" && b.Labels[0] == name {
			return b, true
		}
	}
	return nil, false
}

// scope is what an expression of the module may refer to.
type scope map[string]cty.Value

func (m *module) ctx(s scope) *hcl.EvalContext {
	vars := map[string]cty.Value{"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(m.dir)})}
	for k, v := range s {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: functions()}
}

// locals evaluates every local value of the module in scope s: each pass evaluates the
// locals whose references are known, until none is left (or none can be).
func (m *module) locals(t *testing.T, s scope) (map[string]cty.Value, error) {
	t.Helper()
	pending := map[string]hcl.Expression{}
	for _, b := range m.blocks {
		if b.Type == "locals" {
			for name, a := range b.Body.Attributes {
				pending[name] = a.Expr
			}
		}
	}
	done := map[string]cty.Value{}
	for len(pending) > 0 {
		var lastErr hcl.Diagnostics
		progress := false
		for name, expr := range pending {
			withLocals := scope{"local": cty.ObjectVal(done)}
			for k, v := range s {
				withLocals[k] = v
			}
			v, diags := expr.Value(m.ctx(withLocals))
			if diags.HasErrors() {
				lastErr = diags
				continue
			}
			done[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			return done, lastErr
		}
	}
	return done, nil
}

// eval evaluates attribute name of block b in scope s.
func (m *module) eval(t *testing.T, b *hclsyntax.Block, name string, s scope) cty.Value {
	t.Helper()
	a, ok := b.Body.Attributes[name]
	if !ok {
		t.Fatalf("%s: %s %q has no attribute %q", m.dir, b.Type, b.Labels, name)
	}
	v, diags := a.Expr.Value(m.ctx(s))
	if diags.HasErrors() {
		t.Fatalf("%s: %s %q: %s: %s", m.dir, b.Type, b.Labels, name, diags.Error())
	}
	return v
}

// strings turns a list, tuple or set of strings into a Go slice.
func goStrings(t *testing.T, v cty.Value) []string {
	t.Helper()
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out
}

// functions are the Terraform functions the modules use, from go-cty's standard library
// where it has them (Terraform's own are built on the same), try from hcl's extension (as
// Terraform has it), with file, yamldecode and alltrue written here.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"alltrue":    allTrueFunc,
		"can":        tryfunc.CanFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"file":       fileFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"merge":      stdlib.MergeFunc,
		"regex":      stdlib.RegexFunc,
		"replace":    stdlib.ReplaceFunc,
		"sort":       stdlib.SortFunc,
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"trim":       stdlib.TrimFunc,
		"try":        tryfunc.TryFunc,
		"yamldecode": yamlDecodeFunc,
	}
}

var fileFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "path", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		raw, err := os.ReadFile(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(string(raw)), nil
	},
})

// yamlDecodeFunc decodes YAML as Terraform's yamldecode does for the plain documents the
// platform file holds: mappings become objects, sequences tuples.
var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type: func(args []cty.Value) (cty.Type, error) {
		if !args[0].IsKnown() {
			return cty.DynamicPseudoType, nil
		}
		js, err := yaml.YAMLToJSON([]byte(args[0].AsString()))
		if err != nil {
			return cty.NilType, err
		}
		return ctyjson.ImpliedType(js)
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		js, err := yaml.YAMLToJSON([]byte(args[0].AsString()))
		if err != nil {
			return cty.NilVal, err
		}
		return ctyjson.Unmarshal(js, retType)
	},
})

var allTrueFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			if !v.True() {
				return cty.False, nil
			}
		}
		return cty.True, nil
	},
})

// iamMatch says whether an IAM pattern (ARN or condition value) matches s: * is any run of
// characters, / included, and ? exactly one.
func iamMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(s)
}

func iamMatchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if iamMatch(p, s) {
			return true
		}
	}
	return false
}
