// Package terraform tests the Terraform module beside it without running
// terraform: it parses every .tf file with hashicorp/hcl, checks references,
// formatting, descriptions and the README, and evaluates the settings each
// mode depends on with a small evaluation context (variables, locals and
// functions; resource attributes are unknown).
package terraform

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// module is the parsed configuration: its files and its declarations.
type module struct {
	src       map[string][]byte
	bodies    map[string]*hclsyntax.Body
	variables map[string]*hclsyntax.Block
	locals    map[string]*hclsyntax.Attribute
	resources map[string]*hclsyntax.Block // "TYPE.NAME"
	data      map[string]*hclsyntax.Block // "TYPE.NAME"
	outputs   map[string]*hclsyntax.Block
	modules   map[string]*hclsyntax.Block
}

// loadModule parses every .tf file of the directory.
func loadModule(t *testing.T) *module {
	t.Helper()
	paths, err := filepath.Glob("*.tf")
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no .tf files")
	sort.Strings(paths)
	m := &module{
		src: map[string][]byte{}, bodies: map[string]*hclsyntax.Body{},
		variables: map[string]*hclsyntax.Block{}, locals: map[string]*hclsyntax.Attribute{},
		resources: map[string]*hclsyntax.Block{}, data: map[string]*hclsyntax.Block{},
		outputs: map[string]*hclsyntax.Block{}, modules: map[string]*hclsyntax.Block{},
	}
	parser := hclparse.NewParser()
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		f, diags := parser.ParseHCL(src, p)
		require.False(t, diags.HasErrors(), "%s: %s", p, diags.Error())
		body := f.Body.(*hclsyntax.Body)
		m.src[p], m.bodies[p] = src, body
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				m.declare(t, m.variables, b.Labels[0], b)
			case "output":
				m.declare(t, m.outputs, b.Labels[0], b)
			case "module":
				m.declare(t, m.modules, b.Labels[0], b)
			case "resource":
				m.declare(t, m.resources, b.Labels[0]+"."+b.Labels[1], b)
			case "data":
				m.declare(t, m.data, b.Labels[0]+"."+b.Labels[1], b)
			case "locals":
				for name, a := range b.Body.Attributes {
					_, dup := m.locals[name]
					require.False(t, dup, "local.%s declared twice", name)
					m.locals[name] = a
				}
			case "terraform", "provider":
			default:
				t.Fatalf("%s: unexpected top-level block %q", p, b.Type)
			}
		}
	}
	return m
}

func (m *module) declare(t *testing.T, into map[string]*hclsyntax.Block, name string, b *hclsyntax.Block) {
	t.Helper()
	_, dup := into[name]
	require.False(t, dup, "%s %s declared twice", b.Type, name)
	into[name] = b
}

// resource returns a declared resource or data block ("TYPE.NAME").
func (m *module) resource(t *testing.T, kind, name string) *hclsyntax.Block {
	t.Helper()
	from := m.resources
	if kind == "data" {
		from = m.data
	}
	b, ok := from[name]
	require.True(t, ok, "%s %s is not declared", kind, name)
	return b
}

// functions are the Terraform functions the module may call, with cty's
// implementations or small ones here; a call to anything else fails
// TestFunctionsKnown, so an evaluation never silently skips one.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"alltrue":   allTrue,
		"can":       tryfunc.CanFunc,
		"concat":    stdlib.ConcatFunc,
		"contains":  stdlib.ContainsFunc,
		"distinct":  stdlib.DistinctFunc,
		"floor":     stdlib.FloorFunc,
		"join":      stdlib.JoinFunc,
		"keys":      stdlib.KeysFunc,
		"length":    stdlib.LengthFunc,
		"merge":     stdlib.MergeFunc,
		"one":       one,
		"regex":     stdlib.RegexFunc,
		"replace":   terraformReplace,
		"basename":  basenameFunc,
		"sha256":    sha256Func,
		"substr":    stdlib.SubstrFunc,
		"trimspace": stdlib.TrimSpaceFunc,
	}
}

var sha256Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sum := sha256.Sum256([]byte(args[0].AsString()))
		return cty.StringVal(hex.EncodeToString(sum[:])), nil
	},
})

var allTrue = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		for it := args[0].ElementIterator(); it.Next(); {
			if _, v := it.Element(); !v.True() {
				return cty.False, nil
			}
		}
		return cty.True, nil
	},
})

var one = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType, AllowUnknown: true}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		l := args[0]
		if !l.IsKnown() || !l.CanIterateElements() {
			return cty.DynamicVal, nil
		}
		if l.LengthInt() == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return l.Index(cty.NumberIntVal(0)), nil
	},
})

// evalContext evaluates the module's variables (defaults, replaced by
// vars) and then its locals; every resource and data source is unknown.
func (m *module) evalContext(t *testing.T, vars map[string]cty.Value) *hcl.EvalContext {
	t.Helper()
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: functions()}
	values := map[string]cty.Value{}
	for name, b := range m.variables {
		if v, ok := vars[name]; ok {
			values[name] = v
		} else if def, ok := b.Body.Attributes["default"]; ok {
			v, diags := def.Expr.Value(nil)
			require.False(t, diags.HasErrors(), "var.%s default: %s", name, diags.Error())
			values[name] = v
		} else {
			values[name] = cty.DynamicVal // required, not given
		}
	}
	for name := range vars {
		require.Contains(t, m.variables, name, "the test sets undeclared var.%s", name)
	}
	ctx.Variables["var"] = cty.ObjectVal(values)
	ctx.Variables["path"] = cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(".")})
	ctx.Variables["data"] = cty.DynamicVal
	for name := range m.resources {
		typ, _, _ := strings.Cut(name, ".")
		ctx.Variables[typ] = cty.DynamicVal
	}
	// Locals may refer to each other: evaluate until nothing changes.
	locals := map[string]cty.Value{}
	for name := range m.locals {
		locals[name] = cty.DynamicVal
	}
	for range m.locals {
		ctx.Variables["local"] = cty.ObjectVal(locals)
		next := map[string]cty.Value{}
		for name, a := range m.locals {
			v, diags := a.Expr.Value(ctx)
			if diags.HasErrors() {
				v = cty.DynamicVal
			}
			next[name] = v
		}
		locals = next
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)
	return ctx
}

// eval evaluates an attribute of body, failing the test on error.
func eval(t *testing.T, ctx *hcl.EvalContext, body *hclsyntax.Body, name string) cty.Value {
	t.Helper()
	a, ok := body.Attributes[name]
	require.True(t, ok, "no attribute %q", name)
	v, diags := a.Expr.Value(ctx)
	require.False(t, diags.HasErrors(), "%s: %s", name, diags.Error())
	return v
}

// blocks returns the nested blocks of a type, static ones and those a
// dynamic block generates (each with its iterator in the context it
// returns alongside).
func blocks(t *testing.T, ctx *hcl.EvalContext, body *hclsyntax.Body, typ string) ([]*hclsyntax.Body, []*hcl.EvalContext) {
	t.Helper()
	var bodies []*hclsyntax.Body
	var ctxs []*hcl.EvalContext
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			bodies, ctxs = append(bodies, b.Body), append(ctxs, ctx)
		case b.Type == "dynamic" && b.Labels[0] == typ:
			each := eval(t, ctx, b.Body, "for_each")
			require.True(t, each.IsWhollyKnown(), "dynamic %q: for_each unknown", typ)
			var content *hclsyntax.Body
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					content = c.Body
				}
			}
			require.NotNil(t, content, "dynamic %q without content", typ)
			for it := each.ElementIterator(); it.Next(); {
				k, v := it.Element()
				child := ctx.NewChild()
				child.Variables = map[string]cty.Value{typ: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				bodies, ctxs = append(bodies, content), append(ctxs, child)
			}
		}
	}
	return bodies, ctxs
}

// block returns the one nested block of a type.
func block(t *testing.T, ctx *hcl.EvalContext, body *hclsyntax.Body, typ string) (*hclsyntax.Body, *hcl.EvalContext) {
	t.Helper()
	bodies, ctxs := blocks(t, ctx, body, typ)
	require.Len(t, bodies, 1, "want one %q block", typ)
	return bodies[0], ctxs[0]
}

// terraformReplace is Terraform's replace: a substring wrapped in forward
// slashes is a regular expression (RE2, as regex takes), any other is
// replaced literally (Terraform's documentation of the replace function).
var terraformReplace = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sub := args[1].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			return stdlib.RegexReplace(args[0], cty.StringVal(sub[1:len(sub)-1]), args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})

// basenameFunc is Terraform's basename: the last element of a path.
var basenameFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "path", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(filepath.Base(args[0].AsString())), nil
	},
})
