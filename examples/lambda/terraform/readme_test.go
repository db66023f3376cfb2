package terraform

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// variablesTable renders the README's table of the module's variables:
// name, description and default, in declaration order by file.
func variablesTable(t *testing.T, m *module) string {
	t.Helper()
	type row struct {
		file string
		line int
		text string
	}
	var rows []row
	for name, b := range m.variables {
		def := "*required*"
		if a, ok := b.Body.Attributes["default"]; ok {
			v, diags := a.Expr.Value(nil)
			require.False(t, diags.HasErrors(), diags.Error())
			def = "`" + strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes())) + "`"
		}
		desc := strings.ReplaceAll(eval(t, nil, b.Body, "description").AsString(), "|", `\|`)
		rows = append(rows, row{b.Range().Filename, b.Range().Start.Line, "| `" + name + "` | " + desc + " | " + def + " |"})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].file != rows[j].file {
			return rows[i].file < rows[j].file
		}
		return rows[i].line < rows[j].line
	})
	var b strings.Builder
	b.WriteString("| variable | description | default |\n| --- | --- | --- |\n")
	for _, r := range rows {
		b.WriteString(r.text + "\n")
	}
	return b.String()
}

// TestREADMEVariables checks that the example's README lists the module's
// variables exactly: the table between the variables-table markers is the
// one variablesTable renders. On failure it prints the table to paste.
func TestREADMEVariables(t *testing.T) {
	m := loadModule(t)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?s)<!-- variables-table -->\n(.*?)<!-- /variables-table -->`)
	found := re.FindSubmatch(readme)
	require.NotNil(t, found, "README.md has no <!-- variables-table --> section")
	want := variablesTable(t, m)
	assert.Equal(t, want, string(found[1]), "the README's variables table differs; it should read:\n%s", want)
}

// TestREADMEOutputs checks that every output the README's commands use
// exists.
func TestREADMEOutputs(t *testing.T) {
	m := loadModule(t)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	uses := regexp.MustCompile(`terraform(?: -chdir=\S+)? output(?: -raw| -json)? ([a-z_]+)`).FindAllSubmatch(readme, -1)
	require.NotEmpty(t, uses, "the README's walkthrough reads outputs")
	for _, u := range uses {
		assert.Contains(t, m.outputs, string(u[1]), "README uses output %s", u[1])
	}
}
