package playlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// webDir holds the npm project with hls.js and resolve.mjs.
var webDir = filepath.Join("..", "examples", "server", "web")

// requireNodeAndHLSJS returns the path of node, or ends the test: with
// CFHLS_REAL_CLIENTS=1 (as CI sets it) a missing tool fails it, otherwise it
// is skipped with the reason and the install command.
func requireNodeAndHLSJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node (install: apt-get install -y --no-install-recommends npm)"
	default:
		if _, err := os.Stat(filepath.Join(webDir, "node_modules", "hls.js", "package.json")); err != nil {
			missing = "hls.js from npm (install: cd examples/server/web && npm ci --no-audit --no-fund)"
		}
	}
	if missing != "" {
		if v := os.Getenv("CFHLS_REAL_CLIENTS"); v != "" && v != "0" && v != "false" {
			t.Fatalf("CFHLS_REAL_CLIENTS is set and %s is missing", missing)
		}
		t.Skipf("skipping the differential test against Node's WHATWG URL and hls.js: %s is missing", missing)
	}
	return node
}

// nodeCase is one rewritten playlist for resolve.mjs.
type nodeCase struct {
	ID     int               `json:"id"`
	Base   string            `json:"base"`
	Text   string            `json:"text"`
	Master bool              `json:"master"`
	Vars   map[string]string `json:"vars,omitempty"`
}

// nodeURL is what resolve.mjs says a player fetches.
type nodeURL struct {
	ID       int    `json:"id"`
	Resolver string `json:"resolver"`
	Href     string `json:"href"`
	Host     string `json:"host"`
	Protocol string `json:"protocol"`
}

// TestScopeDifferentialNode rewrites every playlist of the hostile corpus in
// every configuration, then has Node resolve every URI in the output the
// way players do: hls.js's own parser, and WHATWG URL on each URI line and
// attribute. Every URL that carries credentials must point at the CDN, and
// the benign URIs must reach it with credentials.
func TestScopeDifferentialNode(t *testing.T) {
	node := requireNodeAndHLSJS(t)
	base := mustURL(t, hostileBase)
	type origin struct {
		c   hostileCase
		cfg string
	}
	var cases []nodeCase
	var origins []origin
	for cfgName, rw := range hostileRewriters(t) {
		for _, c := range hostileCorpus(t) {
			for kind, pl := range hostilePlaylists(c) {
				out, err := rw.AppendRewrite(nil, []byte(pl))
				if err != nil {
					continue // nothing is served
				}
				nc := nodeCase{ID: len(cases), Base: hostileBase, Text: string(out), Master: kind == "master"}
				if c.value != "" && !strings.Contains(c.define, "VALUE=") {
					// IMPORT and QUERYPARAM: the attacker picks the value.
					nc.Vars = map[string]string{"h": c.value}
					nc.Base += "?h=" + url.QueryEscape(c.value)
				}
				cases = append(cases, nc)
				origins = append(origins, origin{c, cfgName + " " + kind})
			}
		}
	}
	in, err := json.Marshal(map[string]any{"marker": "cfhlsPOLICY", "cases": cases})
	require.NoError(t, err)
	cmd := exec.Command(node, "resolve.mjs")
	cmd.Dir = webDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node resolve.mjs: %s", stderr.String())

	reached := map[string]bool{} // benign URI -> hls.js fetched it from the CDN with credentials
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var u nodeURL
		require.NoError(t, json.Unmarshal(sc.Bytes(), &u))
		require.Less(t, u.ID, len(origins))
		o := origins[u.ID]
		n++
		if !assert.True(t, u.Protocol == base.Scheme+":" && u.Host == base.Host,
			"%s: %s sends credentials to %s (%s), from %s", o.cfg, u.Resolver, u.Host, u.Href, o.c.name()) {
			continue
		}
		if u.Resolver == "hls.js" {
			reached[o.c.uri] = true
		}
	}
	require.NoError(t, sc.Err())
	t.Logf("%d playlists, %d credential-carrying URLs resolved by Node", len(cases), n)
	for _, c := range hostileCorpus(t) {
		if c.mustSign() {
			assert.True(t, reached[c.uri], "hls.js never fetched benign %s from the CDN with credentials", c.name())
		}
	}
}
