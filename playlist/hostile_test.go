package playlist

import (
	"bufio"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileBase is the URL of the playlists built from the hostile corpus.
const hostileBase = "https://cdn.example.com/vod/a/index.m3u8"

// hostileCase is one URI of testdata/hostile/uris.txt, with {B} expanded.
type hostileCase struct {
	uri    string
	define string // an EXT-X-DEFINE line, or ""
	value  string // what a player substitutes for {$h}
}

// name is a readable name for the case.
func (c hostileCase) name() string { return strconv.QuoteToASCII(c.uri) }

// mustSign reports whether the case is benign and must get credentials.
func (c hostileCase) mustSign() bool {
	return strings.Contains(c.uri, "ok") && !strings.ContainsAny(c.uri, "\x00")
}

// bytesForB are what {B} stands for: every byte 0x00-0x20 and 0x7f, and the
// Unicode spaces and invisibles resolvers strip or ignore.
func bytesForB() []string {
	var bs []string
	for c := 0; c <= 0x20; c++ {
		bs = append(bs, string(rune(c)))
	}
	bs = append(bs, "\x7f")
	for _, r := range []rune{0x85, 0xa0, 0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff} {
		bs = append(bs, string(r))
	}
	return bs
}

// hostileCorpus reads testdata/hostile/uris.txt.
func hostileCorpus(t testing.TB) []hostileCase {
	t.Helper()
	f, err := os.Open("testdata/hostile/uris.txt")
	require.NoError(t, err)
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		var fields []string
		for rest := strings.TrimSpace(line); rest != ""; rest = strings.TrimSpace(rest) {
			q, err := strconv.QuotedPrefix(rest)
			require.NoError(t, err, "uris.txt line %d", n)
			s, err := strconv.Unquote(q)
			require.NoError(t, err, "uris.txt line %d", n)
			fields = append(fields, s)
			rest = rest[len(q):]
		}
		require.True(t, len(fields) == 1 || len(fields) == 3, "uris.txt line %d: one or three fields", n)
		c := hostileCase{uri: fields[0]}
		if len(fields) == 3 {
			c.define, c.value = fields[1], fields[2]
		}
		if !strings.Contains(c.uri, "{B}") {
			cases = append(cases, c)
			continue
		}
		for _, b := range bytesForB() {
			e := c
			e.uri = strings.ReplaceAll(c.uri, "{B}", b)
			cases = append(cases, e)
		}
	}
	require.NoError(t, sc.Err())
	return cases
}

// hostilePlaylists puts the case's URI in every place a URI goes: a media
// playlist (key, map, segment) and a master playlist (rendition, variant).
// Places the URI cannot take (a quote inside a quoted attribute, a line feed
// anywhere) are left out.
func hostilePlaylists(c hostileCase) map[string]string {
	if strings.Contains(c.uri, "\n") {
		return nil
	}
	define := ""
	if c.define != "" {
		define = c.define + "\n"
	}
	attr := func(tag string) string {
		if strings.Contains(c.uri, `"`) {
			return ""
		}
		return tag + `URI="` + c.uri + `"` + "\n"
	}
	return map[string]string{
		"media": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + define +
			attr("#EXT-X-KEY:METHOD=AES-128,") + attr("#EXT-X-MAP:") +
			"#EXTINF:4,\n" + c.uri + "\n#EXT-X-ENDLIST\n",
		"master": "#EXTM3U\n" + define +
			attr(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",`) +
			"#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\n" + c.uri + "\n",
	}
}

// signedURIs lists the URIs in a rewritten playlist that carry marker, as a
// player could read them: quoted attribute values on tag lines, and whole
// URI lines, also cut at each CR (ffmpeg and hls.js end lines there).
func signedURIs(out, marker string) []string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, marker) {
			continue
		}
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			for i, q := range strings.Split(line, `"`) {
				if i%2 == 1 && strings.Contains(q, marker) {
					found = append(found, q)
				}
			}
			continue
		}
		found = append(found, line)
		for _, piece := range strings.Split(line, "\r") {
			if piece != line && strings.Contains(piece, marker) {
				found = append(found, piece)
			}
		}
	}
	return found
}

// hostileRewriters are the configurations the scope rule must hold in: the
// fast path, a Hook, a naive InScope (as Handler.Keys sets one), Rebase.
func hostileRewriters(t testing.TB) map[string]*Rewriter {
	base := mustURL(t, hostileBase)
	return map[string]*Rewriter{
		"default": {Base: base, Query: testQuery, Carry: testCarry},
		"hook": {Base: base, Query: testQuery, Carry: testCarry,
			Hook: func(u URI) (string, error) { return u.Default, nil }},
		"inscope": {Base: base, Query: testQuery, Carry: testCarry,
			InScope: func(u *url.URL, _ Kind) bool {
				return u.Host == "" || strings.EqualFold(u.Scheme, "https") &&
					(strings.EqualFold(u.Hostname(), base.Host) && (u.Port() == "" || u.Port() == "443"))
			}},
		"rebase": {Base: base, Rebase: mustURL(t, "https://cdn.example.com/vod/a/"), Query: testQuery, Carry: testCarry},
	}
}

// TestHostileURIs checks every URI of the corpus in every place and every
// configuration: whatever the Rewriter signs resolves to the CDN under
// RFC 3986, WHATWG URL, JS trim and url-toolkit (as modelled in
// resolvers_test.go), and the benign URIs are signed.
func TestHostileURIs(t *testing.T) {
	base := mustURL(t, hostileBase)
	cases := hostileCorpus(t)
	require.Greater(t, len(cases), 500)
	for cfgName, rw := range hostileRewriters(t) {
		t.Run(cfgName, func(t *testing.T) {
			for _, c := range cases {
				for kind, pl := range hostilePlaylists(c) {
					out, err := rw.AppendRewrite(nil, []byte(pl))
					if err != nil {
						// Nothing is served: an indented tag where the
						// variant's URI should be, a NUL.
						var pe *ParseError
						assert.ErrorAs(t, err, &pe, "%s %s", c.name(), kind)
						continue
					}
					signed := signedURIs(string(out), "cfhlsPOLICY")
					for _, s := range signed {
						if c.value != "" {
							s = strings.ReplaceAll(s, "{$h}", c.value)
						}
						assert.Empty(t, credentialLeak(base, s), "%s in %s", c.name(), kind)
					}
					if c.mustSign() {
						assert.NotEmpty(t, signed, "%s in %s: benign, must be signed", c.name(), kind)
					}
				}
			}
		})
	}
}
