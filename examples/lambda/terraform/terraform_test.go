package terraform

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ref is one reference found in the module, where it was found.
type ref struct {
	traversal hcl.Traversal
	scope     map[string]bool // names a for_each, count or dynamic block brings in
}

// references returns every variable reference of every expression in body,
// nested blocks included, with the iterator names in scope at each.
func references(body *hclsyntax.Body, scope map[string]bool) []ref {
	var refs []ref
	for name, a := range body.Attributes {
		if name == "ignore_changes" || name == "type" && isTypeConstraint(a.Expr) { // attribute names and type expressions, not references
			continue
		}
		for _, tr := range a.Expr.Variables() {
			refs = append(refs, ref{tr, scope})
		}
	}
	for _, b := range body.Blocks {
		inner := scope
		add := func(names ...string) {
			inner = map[string]bool{}
			for k := range scope {
				inner[k] = true
			}
			for _, n := range names {
				inner[n] = true
			}
		}
		if _, ok := b.Body.Attributes["for_each"]; ok && b.Type != "dynamic" {
			add("each")
		}
		if _, ok := b.Body.Attributes["count"]; ok {
			add("count")
		}
		if b.Type == "dynamic" {
			// for_each is evaluated outside the iterator's scope.
			refs = append(refs, references(&hclsyntax.Body{Attributes: b.Body.Attributes}, scope)...)
			add(b.Labels[0])
			for _, c := range b.Body.Blocks {
				refs = append(refs, references(c.Body, inner)...)
			}
			continue
		}
		refs = append(refs, references(b.Body, inner)...)
	}
	return refs
}

// TestReferences checks that every reference names something declared:
// a variable, a local, a resource, a data source or a module, or an
// iterator in scope; and that every variable and local is used.
func TestReferences(t *testing.T) {
	m := loadModule(t)
	used := map[string]bool{}
	for file, body := range m.bodies {
		for _, r := range references(body, nil) {
			root := r.traversal.RootName()
			where := fmt.Sprintf("%s:%d", file, r.traversal.SourceRange().Start.Line)
			attr := func(i int) string {
				if i >= len(r.traversal) {
					return ""
				}
				if a, ok := r.traversal[i].(hcl.TraverseAttr); ok {
					return a.Name
				}
				return ""
			}
			switch {
			case r.scope[root]:
			case root == "path" || root == "terraform" || root == "self":
			case root == "var":
				assert.True(t, has(m.variables, attr(1)), "%s: var.%s is not declared", where, attr(1))
				used["var."+attr(1)] = true
			case root == "local":
				assert.True(t, has(m.locals, attr(1)), "%s: local.%s is not declared", where, attr(1))
				used["local."+attr(1)] = true
			case root == "data":
				assert.True(t, has(m.data, attr(1)+"."+attr(2)), "%s: data.%s.%s is not declared", where, attr(1), attr(2))
			case root == "module":
				assert.True(t, has(m.modules, attr(1)), "%s: module.%s is not declared", where, attr(1))
			case root == "each" || root == "count":
				t.Errorf("%s: %s outside a block with for_each or count", where, root)
			default:
				assert.True(t, has(m.resources, root+"."+attr(1)), "%s: %s.%s is not a declared resource", where, root, attr(1))
			}
		}
	}
	for name := range m.variables {
		assert.True(t, used["var."+name], "var.%s is never used", name)
	}
	for name := range m.locals {
		assert.True(t, used["local."+name], "local.%s is never used", name)
	}
}

// TestReferencesCatchesMistakes runs the walk on broken snippets, so that a
// walk that finds nothing cannot pass TestReferences.
func TestReferencesCatchesMistakes(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"resource", `x = aws_s3_bucket.missing.id`, "aws_s3_bucket"},
		{"variable in a nested block", "b {\n  x = var.nope\n}", "var"},
		{"iterator outside its dynamic block", "dynamic \"h\" {\n  for_each = h.value\n  content {}\n}", "h"},
		{"each without for_each", `x = each.key`, "each"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(tc.src), "x.tf", hcl.InitialPos)
			require.False(t, diags.HasErrors(), diags.Error())
			refs := references(f.Body.(*hclsyntax.Body), nil)
			require.Len(t, refs, 1)
			assert.Equal(t, tc.want, refs[0].traversal.RootName())
			assert.False(t, refs[0].scope[tc.want], "must be out of scope")
		})
	}
}

// has reports whether a map has a key (without printing the map when not).
func has[V any](m map[string]V, key string) bool {
	_, ok := m[key]
	return ok
}

// inType reports whether a call is part of a variable's type expression.
func inType(m *module, call *hclsyntax.FunctionCallExpr) bool {
	for _, b := range m.variables {
		if a, ok := b.Body.Attributes["type"]; ok && a.Expr.Range().Overlaps(call.Range()) && a.Expr.Range().Filename == call.Range().Filename {
			return true
		}
	}
	return false
}

// TestFunctionsKnown checks that every function the module calls is one
// the evaluation context has.
func TestFunctionsKnown(t *testing.T) {
	m := loadModule(t)
	known := functions()
	for file, body := range m.bodies {
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if a, ok := n.(*hclsyntax.Attribute); ok && a.Name == "type" {
				return nil // list(string) is a type, not a call
			}
			if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && !inType(m, call) {
				assert.True(t, has(known, call.Name), "%s:%d: %s() is not in functions()", file, call.NameRange.Start.Line, call.Name)
			}
			return nil
		})
	}
}

// TestFormat checks terraform fmt's layout where hclwrite can: the
// canonical formatting of hclwrite.Format (indentation, spacing, aligned
// equals signs) is what each file already has, with LF line endings and a
// final newline.
func TestFormat(t *testing.T) {
	m := loadModule(t)
	for file, src := range m.src {
		t.Run(file, func(t *testing.T) {
			want := strings.Split(string(hclwrite.Format(src)), "\n")
			got := strings.Split(string(src), "\n")
			for i := range min(len(want), len(got)) {
				if want[i] != got[i] {
					t.Errorf("line %d is not formatted (run terraform fmt):\n got: %q\nwant: %q", i+1, got[i], want[i])
					break
				}
			}
			assert.Equal(t, len(want), len(got), "line count after formatting")
			assert.NotContains(t, string(src), "\r", "CRLF")
			assert.NotContains(t, string(src), "\t", "tab")
			assert.True(t, strings.HasSuffix(string(src), "\n") && !strings.HasSuffix(string(src), "\n\n"), "one final newline")
		})
	}
}

// TestDescriptions checks that every variable has a type and a
// description, and every output a description.
func TestDescriptions(t *testing.T) {
	m := loadModule(t)
	for name, b := range m.variables {
		t.Run("var."+name, func(t *testing.T) {
			assert.Contains(t, b.Body.Attributes, "type")
			d := eval(t, nil, b.Body, "description").AsString()
			assert.True(t, strings.HasSuffix(d, "."), "a sentence ending in a full stop: %q", d)
		})
	}
	for name, b := range m.outputs {
		t.Run("output."+name, func(t *testing.T) {
			assert.NotEmpty(t, eval(t, nil, b.Body, "description").AsString())
		})
	}
}

// TestNoCredentials checks that no file holds provider credentials.
func TestNoCredentials(t *testing.T) {
	m := loadModule(t)
	bad := regexp.MustCompile(`(?i)\b(access_key|secret_key|token)\s*=|AKIA[0-9A-Z]{16}|shared_credentials`)
	for file, src := range m.src {
		assert.Nil(t, bad.Find(src), "%s: provider credentials belong in the environment", file)
	}
	providers := []string{}
	for _, body := range m.bodies {
		for _, b := range body.Blocks {
			if b.Type == "provider" {
				providers = append(providers, b.Labels[0])
				attrs := []string{}
				for name := range b.Body.Attributes {
					attrs = append(attrs, name)
				}
				sort.Strings(attrs)
				assert.Equal(t, []string{"region"}, attrs, "provider %s: region only", b.Labels[0])
			}
		}
	}
	assert.Equal(t, []string{"aws"}, providers)
}

// isTypeConstraint reports whether expr is a variable's type constraint
// (string, list(string), object({...}), ...) rather than a value: every
// name in it is a type keyword, never var., local. or a resource.
func isTypeConstraint(expr hclsyntax.Expression) bool {
	for _, tr := range expr.Variables() {
		switch tr.RootName() {
		case "string", "number", "bool", "any", "list", "map", "set", "object", "tuple", "optional":
		default:
			return false
		}
	}
	return true
}
