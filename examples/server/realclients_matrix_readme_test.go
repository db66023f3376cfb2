package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's player matrix is written by TestRealClient from its own
// results, when asked:
//
//	CFHLS_REAL_CLIENTS=1 CFHLS_UPDATE_MATRIX=1 go test ./examples/server -run '^TestRealClient$' -count=1
const updateMatrixEnv = "CFHLS_UPDATE_MATRIX"

// The README's matrix lies between these lines.
const (
	matrixBegin = "<!-- matrix: written by TestRealClient; do not edit -->"
	matrixEnd   = "<!-- end of matrix -->"
)

// matrixResult is one cell's outcome.
type matrixResult struct {
	client, mode, content string
	ok                    bool
	na                    string // the reason a client cannot play in this mode ("" when it can)
	quirk                 string // how the client plays this presentation otherwise than the others
	detail                string
	took                  time.Duration
}

// matrixResults collects the cells of one run, and each client's wall time.
type matrixResults struct {
	mu       sync.Mutex
	cells    []matrixResult
	clients  map[string]time.Duration
	versions map[string]string
}

func (r *matrixResults) add(c matrixResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cells = append(r.cells, c)
}

func (r *matrixResults) clientVersion(name, version string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.versions == nil {
		r.versions = map[string]string{}
	}
	r.versions[name] = version
}

func (r *matrixResults) clientTook(name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clients == nil {
		r.clients = map[string]time.Duration{}
	}
	r.clients[name] = d
}

// writeREADME replaces the README's matrix with this run's, when
// CFHLS_UPDATE_MATRIX=1 and every cell ran and passed (a README shows what
// was proven, not a partial or failed run).
func (r *matrixResults) writeREADME(t *testing.T) {
	if os.Getenv(updateMatrixEnv) != "1" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	want := len(matrixClients()) * len(allModes) * len(matrixContents)
	if t.Failed() || len(r.cells) != want {
		t.Errorf("%s=1: README.md not written: %d of %d cells ran, failed: %v", updateMatrixEnv, len(r.cells), want, t.Failed())
		return
	}
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	out, err := replaceMatrix(string(b), r.table())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("README.md", []byte(out), 0o644))
	t.Logf("wrote the matrix of %d cells into README.md", len(r.cells))
}

// replaceMatrix puts table between the README's matrix markers.
func replaceMatrix(readme, table string) (string, error) {
	before, rest, ok := strings.Cut(readme, matrixBegin)
	if !ok {
		return "", fmt.Errorf("README.md has no line %q", matrixBegin)
	}
	_, after, ok := strings.Cut(rest, matrixEnd)
	if !ok {
		return "", fmt.Errorf("README.md has no line %q", matrixEnd)
	}
	return before + matrixBegin + "\n" + table + matrixEnd + after, nil
}

// table renders the results: a row per client and mode, a column per
// content; "✓" for a cell that played, "n/a (k)" for a documented limit
// with its reason below; then each client's time.
func (r *matrixResults) table() string {
	var b strings.Builder
	b.WriteString("| client | mode |")
	for _, c := range matrixContents {
		fmt.Fprintf(&b, " %s |", c.id)
	}
	b.WriteString(" ran |\n|---|---|" + strings.Repeat("---|", len(matrixContents)) + "---|\n")
	var reasons []string
	for _, cl := range matrixClients() {
		for _, mode := range allModes {
			fmt.Fprintf(&b, "| %s | %s |", cl.name, mode)
			var details []string
			for _, content := range matrixContents {
				i := slices.IndexFunc(r.cells, func(c matrixResult) bool {
					return c.client == cl.name && c.mode == mode.String() && c.content == content.id
				})
				cell := r.cells[i]
				switch {
				case cell.na != "":
					k := slices.Index(reasons, cell.na)
					if k < 0 {
						reasons = append(reasons, cell.na)
						k = len(reasons) - 1
					}
					fmt.Fprintf(&b, " n/a (%d) |", k+1)
				case cell.ok && cell.quirk != "":
					k := slices.Index(reasons, cell.quirk)
					if k < 0 {
						reasons = append(reasons, cell.quirk)
						k = len(reasons) - 1
					}
					fmt.Fprintf(&b, " ✓ (%d) |", k+1)
				case cell.ok:
					b.WriteString(" ✓ |")
				default:
					b.WriteString(" ✗ |")
				}
				if cell.detail != "" && !slices.Contains(details, cell.detail) {
					details = append(details, cell.detail)
				}
			}
			fmt.Fprintf(&b, " %s |\n", strings.Join(details, ", "))
		}
	}
	b.WriteString("\nContents: ")
	for i, c := range matrixContents {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", c.id, c.what)
	}
	b.WriteString(".\n\n")
	for i, reason := range reasons {
		fmt.Fprintf(&b, "(%d) %s\n\n", i+1, reason)
	}
	b.WriteString("The clients, the versions that ran, and each one's time on the machine that wrote this table (cells run two at a time):\n\n" +
		"| client | what it is | versions | wall time |\n|---|---|---|---|\n")
	for _, cl := range matrixClients() {
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f s |\n", cl.name, cl.what, r.versions[cl.name], r.clients[cl.name].Seconds())
	}
	return b.String()
}

// definedTable is the table a run in which every cell passes writes, from
// the matrix's definitions: the clients, modes and contents, and the
// documented limits and quirks.
func definedTable() string {
	r := &matrixResults{}
	for _, cl := range matrixClients() {
		for _, mode := range allModes {
			for _, content := range matrixContents {
				cell := matrixResult{client: cl.name, mode: mode.String(), content: content.id, ok: true}
				if na, ok := cl.cannot[mode]; ok {
					cell.na = na.reason
				} else if q, ok := cl.quirks[content.id]; ok {
					cell.quirk = q.reason
				}
				r.add(cell)
			}
		}
	}
	return r.table()
}

// withoutRunFacts drops from a rendered matrix what only a run knows: the
// matrix's "ran" column, and the versions and times of the clients.
func withoutRunFacts(table string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if strings.HasPrefix(line, "|") {
			cells := strings.Split(strings.Trim(line, "|"), "|")
			switch len(cells) {
			case 2 + len(matrixContents) + 1: // the matrix: without "ran"
				cells = cells[:len(cells)-1]
			case 4: // the clients: name and what it is
				cells = cells[:2]
			}
			line = "|" + strings.Join(cells, "|") + "|"
		}
		out = append(out, line)
	}
	return out
}

// TestMatrixREADME checks that the README's matrix is the one a passing
// run of TestRealClient writes from the matrix's definitions: every row,
// column, documented limit and quirk, and no failed cell; only the "ran"
// column and the clients' versions and times come from the run. It does
// not replay the matrix (TestRealClient does, and rewrites it on request).
func TestMatrixREADME(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(b), matrixBegin)
	require.True(t, ok, "README.md has the matrix markers")
	table, _, ok := strings.Cut(rest, matrixEnd)
	require.True(t, ok)
	assert.Equal(t, withoutRunFacts(definedTable()), withoutRunFacts(table),
		"the README's matrix; regenerate: %s=1 %s=1 go test ./examples/server -run '^TestRealClient$' -count=1", realClientsEnv, updateMatrixEnv)
	assert.NotContains(t, table, "✗", "a failed cell")
}
