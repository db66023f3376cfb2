package playlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The syntax differential test varies the syntax of playlists, where
// TestScopeDifferentialNode varies the text of URIs: hls.js reads tags and
// attributes with regular expressions (attribute values end at a quote
// followed by ',' or the end of the line, lines also end at CR, U+2028 and
// U+2029, multivariant tags are found anywhere in the text), and every way
// they read a playlist differently from the Rewriter can carry credentials
// to another host.
const (
	synthQuery = "Policy=SECRETp&Signature=SECRETs&Key-Pair-Id=SECRETk"
	synthCarry = "Policy-PREFIX=SECRETp&Signature-PREFIX=SECRETs&Key-Pair-Id-PREFIX=SECRETk"
	synthSeed  = 20240917 // fixed: the corpus is the same on every run
)

var (
	// synthPlayerURL is the URL the player loaded the playlist from: the
	// credentials (and their carried copies) in its query, where QUERYPARAM
	// finds them, and hostile values under names the playlists also use.
	synthPlayerURL = hostileBase + "?" + synthQuery + "&" + synthCarry +
		"&h=" + url.QueryEscape("https://evil.example/?") + "&a=" + url.QueryEscape("//evil.example/")
	// synthImports are the multivariant playlist's variables a media
	// playlist's IMPORT gets: the attacker picks them.
	synthImports = map[string]string{"h": "https://evil.example/?", "a": "//evil.example/", "b": "https://evil.example/x/", "x": "evil.example"}
)

// synthPlaylist is one playlist of the corpus.
type synthPlaylist struct {
	name   string // "seed <name>", "hostile <n>" or "benign <n>"
	text   string
	master bool
	benign bool // generated without mutations: must never leak
}

// synthCorpus returns n/4 benign and n hostile generated playlists, half
// of each multivariant, then the seeds of testdata/syntax/seeds.txt.
func synthCorpus(t *testing.T, n int) []synthPlaylist {
	var pls []synthPlaylist
	g := &synthGen{r: rand.New(rand.NewPCG(synthSeed, 1))}
	for i := range n + n/4 {
		g.hostile = i >= n/4
		name := fmt.Sprintf("%s %d", map[bool]string{false: "benign", true: "hostile"}[g.hostile], i)
		pls = append(pls, synthPlaylist{name: name, text: g.playlist(i%2 == 1), master: i%2 == 1, benign: !g.hostile})
	}
	for i, line := range strings.Split(string(readFixture(t, "syntax/seeds.txt")), "\n") {
		if name, quoted, ok := strings.Cut(line, " "); ok && line[0] != '#' {
			text, err := strconv.Unquote(quoted)
			require.NoError(t, err, "seeds.txt line %d", i+1)
			pls = append(pls, synthPlaylist{name: "seed " + name, text: text, master: !strings.Contains(text, "#EXTINF")})
		}
	}
	return pls
}

// synthFinding is one line of oracle.mjs's output.
type synthFinding struct {
	ID                                 int
	Parser, Path, Href, Host, Protocol string
	Steering, ParseError               string
}

// leak says how f sends credentials away from the CDN, or "" if it does
// not: a URL elsewhere or over http, or content steering in out, the
// rewritten playlist, when out holds credentials (the steering server can
// move every URL; the configurations do not set AllowSteering).
func (f synthFinding) leak(out string) string {
	switch {
	case f.Parser == "master" && f.ParseError != "":
		return "" // hls.js gives up on the manifest and fetches nothing
	case f.Steering != "" && strings.Contains(out, "SECRET"):
		return "hls.js reads EXT-X-CONTENT-STEERING, SERVER-URI " + f.Steering
	case f.Steering != "" || f.Protocol != "http:" && f.Protocol != "https:":
		return "" // not fetched
	case f.Protocol != "https:" || f.Host != "cdn.example.com":
		if f.ParseError != "" {
			return fmt.Sprintf("hls.js (%s parser, %s) fetches %s (when ignorePlaylistParsingErrors skips %q)", f.Parser, f.Path, f.Href, f.ParseError)
		}
		return fmt.Sprintf("hls.js (%s parser, %s) fetches %s", f.Parser, f.Path, f.Href)
	}
	return ""
}

// synthResult is what became of one playlist in one configuration.
type synthResult struct {
	out     string   // the rewritten playlist, "" when the Rewriter refused it
	leaks   []string // how hls.js carries credentials away
	clean   bool     // one of the leaks is in a playlist hls.js parses without error
	reached int      // URLs hls.js fetches from the CDN with the Rewriter's credentials
}

// synthRun rewrites pls[i] with rws[i], has hls.js parse every playlist
// served in one run of oracle.mjs, and returns what it found for each.
func synthRun(t *testing.T, node string, rws []*Rewriter, pls []synthPlaylist) []synthResult {
	res, cases, owner := make([]synthResult, len(pls)), []nodeCase{}, []int{}
	for i, p := range pls {
		out, err := rws[i].AppendRewrite(nil, []byte(p.text))
		if err != nil {
			var pe *ParseError
			require.ErrorAs(t, err, &pe, "%s", p.name) // nothing is served
			continue
		}
		res[i].out = string(out)
		cases = append(cases, nodeCase{ID: len(cases), Base: synthPlayerURL, Text: string(out), Master: p.master, Vars: synthImports})
		owner = append(owner, i)
	}
	in, err := json.Marshal(map[string]any{"marker": "SECRET", "cases": cases})
	require.NoError(t, err)
	cmd := exec.Command(node, "oracle.mjs")
	var stderr bytes.Buffer
	cmd.Dir, cmd.Stdin, cmd.Stderr = webDir, bytes.NewReader(in), &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node oracle.mjs: %s", stderr.String())
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f synthFinding
		require.NoError(t, json.Unmarshal(sc.Bytes(), &f))
		require.Less(t, f.ID, len(owner))
		r := &res[owner[f.ID]]
		if why := f.leak(r.out); why != "" {
			r.leaks, r.clean = append(r.leaks, why), r.clean || f.ParseError == ""
		} else if f.Host == "cdn.example.com" && strings.Contains(f.Href, synthQuery) && !strings.HasPrefix(f.Href, synthPlayerURL) {
			r.reached++
		}
	}
	require.NoError(t, sc.Err())
	return res
}

// synthLines splits a playlist into lines as hls.js sees them (after LF,
// CR or CRLF), each with its line ending.
var synthLines = regexp.MustCompile("[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

// synthShrink removes lines from each leaking playlist while it still leaks
// with rw, and without a parse error from hls.js if it leaked without one,
// one oracle.mjs run per round for all of them.
func synthShrink(t *testing.T, node string, rw *Rewriter, pls []synthPlaylist) []synthPlaylist {
	pls = slices.Clone(pls)
	var clean []bool
	for _, r := range synthRun(t, node, slices.Repeat([]*Rewriter{rw}, len(pls)), pls) {
		clean = append(clean, r.clean)
	}
	for progress := true; progress; {
		progress = false
		var variants []synthPlaylist
		var owner []int
		for i, p := range pls {
			lines := synthLines.FindAllString(p.text, -1)
			for j := 1; j < len(lines); j++ {
				v := p
				v.text = strings.Join(slices.Delete(slices.Clone(lines), j, j+1), "")
				variants, owner = append(variants, v), append(owner, i)
			}
		}
		done := make([]bool, len(pls))
		for k, r := range synthRun(t, node, slices.Repeat([]*Rewriter{rw}, len(variants)), variants) {
			if i := owner[k]; len(r.leaks) > 0 && (r.clean || !clean[i]) && !done[i] {
				pls[i], done[i], progress = variants[k], true, true
			}
		}
	}
	return pls
}

// TestSyntaxDifferentialNode rewrites seeds and generated playlists, benign
// and hostile, in each configuration, and has hls.js parse what the
// Rewriter serves: every URL hls.js would fetch with credentials must be an
// https URL on the CDN, and hls.js must find no content steering in a
// playlist with credentials. A media playlist counts even when hls.js
// reports a parse error (ignorePlaylistParsingErrors plays it), a
// multivariant one does not (hls.js gives up on it). The first three
// failures are shown, shrunk by removing lines while they still leak.
func TestSyntaxDifferentialNode(t *testing.T) {
	node := requireNodeAndHLSJS(t)
	n := 6000
	if testing.Short() {
		n = 400
	}
	pls := synthCorpus(t, n)
	base, hook := mustURL(t, hostileBase), func(u URI) (string, error) { return u.Default, nil }
	names, cfgs := []string{"default", "hook", "rebase"}, []*Rewriter{ // the fast path, a Hook, Rebase
		{Base: base, Query: synthQuery, Carry: synthCarry},
		{Base: base, Query: synthQuery, Carry: synthCarry, Hook: hook},
		{Base: base, Rebase: mustURL(t, "https://cdn.example.com/vod/a/"), Query: synthQuery, Carry: synthCarry},
	}
	var rws []*Rewriter
	for _, rw := range cfgs {
		rws = append(rws, slices.Repeat([]*Rewriter{rw}, len(pls))...)
	}
	all := synthRun(t, node, rws, slices.Repeat(pls, len(cfgs)))
	for c, name := range names {
		t.Run(name, func(t *testing.T) {
			served, reached, leaks := 0, 0, map[string]int{} // leaking playlists by origin
			var failed []synthPlaylist
			for i, r := range all[c*len(pls) : (c+1)*len(pls)] {
				served += min(len(r.out), 1)
				if pls[i].benign {
					reached += r.reached
				}
				if len(r.leaks) > 0 {
					failed = append(failed, pls[i])
					leaks[strings.Fields(pls[i].name)[0]]++
				}
			}
			shown := failed[:min(len(failed), 3)]
			t.Logf("%d playlists, %d served, leaking: %v; %d credentialed CDN URLs from benign ones", len(pls), served, leaks, reached)
			assert.Positive(t, reached, "hls.js fetched nothing from the CDN with credentials: the oracle sees nothing")
			for i, p := range synthShrink(t, node, cfgs[c], shown) {
				r := synthRun(t, node, cfgs[c:c+1], []synthPlaylist{p})[0]
				assert.Fail(t, "credentials leak through hls.js", "%s, shrunk from %d to %d lines\nplaylist:  %s\nrewritten: %s\nleak: %s",
					p.name, len(synthLines.FindAllString(shown[i].text, -1)), len(synthLines.FindAllString(p.text, -1)), strconv.Quote(p.text), strconv.Quote(r.out), strings.Join(r.leaks, "\n      "))
			}
			assert.Zero(t, leaks["benign"], "benign playlists leak: no syntax trick needed")
			assert.Zero(t, len(failed), "playlists leak credentials through hls.js (%d shown)", len(shown))
		})
	}
}
