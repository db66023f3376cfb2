package playlist

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Pieces of generated playlists. In tag specs, a value "@" becomes a URI,
// "$" a variable name and "%" a variable's value.
var (
	synthEvilURIs = []string{"https://evil.example/", "//evil.example/", "https://evil.example/?", "//evil.example/?x=",
		"https://evil.example/a?b#", "HTTPS://EVIL.EXAMPLE/", "https:evil.example/", "https://evil.example"}
	synthGoodURIs = []string{"a.m3u8", "seg.ts", "k.key", "/root/x.ts", "?q=1", "x/y.mp4", "https://cdn.example.com/z.ts",
		"//cdn.example.com/w.ts", "../up.ts"}
	synthVarNames  = []string{"h", "a", "b", "x", "Policy", "Signature", "Key-Pair-Id", "Policy-PREFIX"}
	synthVarValues = []string{"", "cdn.example.com", "?token=1", "x/", "https://cdn.example.com/", "https://evil.example/?", "//evil.example/", "evil.example"}
	synthDefines   = []string{`EXT-X-DEFINE:NAME="$",VALUE="%"`, `EXT-X-DEFINE:NAME="$",VALUE="%"`, `EXT-X-DEFINE:IMPORT="$"`,
		`EXT-X-DEFINE:QUERYPARAM="$"`, `EXT-X-DEFINE:NAME="$",IMPORT="$"`, `EXT-X-DEFINE:IMPORT="$",QUERYPARAM="$"`, `EXT-X-DEFINE:QUERYPARAM="$",VALUE="%"`}
	synthMediaTags = []string{`EXT-X-KEY:METHOD=AES-128,URI="@"`, `EXT-X-MAP:URI="@"`, `EXT-X-PART:DURATION=1,URI="@"`,
		`EXT-X-PRELOAD-HINT:TYPE=PART,URI="@"`, `EXT-X-DATERANGE:ID="i",START-DATE="2020-01-01T00:00:00Z",X-ASSET-URI="@"`,
		`EXT-X-RENDITION-REPORT:URI="@",LAST-MSN=1`}
	synthMasterTags = []string{`EXT-X-SESSION-KEY:METHOD=AES-128,URI="@"`, `EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="n",URI="@"`,
		`EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="@"`, `EXT-X-SESSION-DATA:DATA-ID="d",URI="@"`, `EXT-X-CONTENT-STEERING:SERVER-URI="@",PATHWAY-ID="p"`}
	// synthEmbeds are what hostile playlists put inside lines: tags hls.js
	// finds there, and the start of a hostile URI.
	synthEmbeds = []string{`#EXT-X-DEFINE:NAME="h",VALUE="https://evil.example/?"`, `#EXT-X-DEFINE:QUERYPARAM="Policy"`,
		`#EXT-X-CONTENT-STEERING:SERVER-URI="s.json"`, "#EXT-X-STREAM-INF:BANDWIDTH=1", `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="e",URI="`,
		`#EXT-X-I-FRAME-STREAM-INF:URI="`, `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="`, "#EXTINF:4,",
		`#EXT-X-MAP:URI="https://evil.example/?`, "https://evil.example/?", "//evil.example/?"}
	synthBreaks = []string{"\r", "\u2028", "\u2029"}
	synthBlanks = []string{" ", "\t", "\f", "\v", "\u00a0"}
)

// synthGen builds playlists from valid pieces and, when hostile, mutates
// them the ways hls.js's regular expressions read differently from the
// Rewriter's line and attribute scanner.
type synthGen struct {
	r       *rand.Rand
	hostile bool
}

// pick returns one of xs at random.
func (g *synthGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// mut reports, with probability f, that a hostile generator mutates here.
func (g *synthGen) mut(f float64) bool { return g.hostile && g.r.Float64() < f }

// or returns s, or one of the mutations xs when mut(f).
func (g *synthGen) or(f float64, s string, xs ...string) string {
	if g.mut(f) {
		return g.pick(xs...)
	}
	return s
}

// uri returns a URI: mostly benign, some with variable references, some
// pointing at evil.example (out of scope: only syntax can leak them).
func (g *synthGen) uri() string {
	v, good := "{$"+g.pick(synthVarNames...)+"}", g.pick(synthGoodURIs...)
	switch r := g.r.IntN(20); {
	case r < 11:
		return good
	case r < 16:
		return g.pick(v+good, "https://"+v+"/x.ts", good+"?"+v, "/p/"+v+"/x.ts", v, "https://cdn.example.com/"+v, "//"+v+"/y.ts")
	}
	return g.pick(synthEvilURIs...) + g.pick("", good, "?"+v)
}

// tag writes the tag of a spec ("NAME:ATTR=VALUE,..."). A hostile
// generator adds blanks or control characters around names and '=', text
// after closing quotes, unterminated quotes, empty attributes, and a
// hostile URI attribute before a URI attribute (hls.js's value may then
// run on into the next one).
func (g *synthGen) tag(spec string) string {
	name, list, _ := strings.Cut(spec, ":")
	var b strings.Builder
	b.WriteString("#" + name + ":")
	for i, a := range strings.Split(list, ",") {
		if i > 0 {
			b.WriteString(",")
		}
		n, v, ok := strings.Cut(a, "=")
		if !ok {
			b.WriteString(a) // EXTINF's duration
			continue
		}
		v = strings.NewReplacer("@", g.uri(), "$", g.pick(synthVarNames...), "%", g.pick(synthVarValues...)).Replace(v)
		br := g.pick(synthBreaks...) // hls.js ends the line there: the rest is a URI line
		b.WriteString(g.or(0.05, "", ",", "=,", "X=,", `X="",`, `X="`+br+`https://evil.example/?",`, br+`//evil.example/?x,`))
		if strings.HasSuffix(n, "URI") && g.mut(0.12) {
			b.WriteString(n + `="` + g.pick(synthEvilURIs...) + g.pick(`"`, `" `, `"x`, `" "x"`, `""`, ``) + g.pick(",", " ,", ""))
		}
		n = g.or(0.05, "", synthBlanks...) + n + g.or(0.05, "", synthBlanks...)
		if strings.HasPrefix(v, `"`) {
			v = v[:len(v)-1] + g.or(0.08, `"`, `" `, `"x`, `" "x"`, `""`, ``, `"" `)
		}
		b.WriteString(n + g.or(0.05, "=", " =", "= ", " = ", "=\f") + v)
	}
	return b.String()
}

// comment returns a comment line; a hostile one may hold a tag.
func (g *synthGen) comment() string {
	return g.or(0.5, g.pick("# a comment", "#", "## x=1"), "# "+g.pick(synthEmbeds...), "#"+g.pick(synthEmbeds...))
}

// lines returns the lines of a media or multivariant playlist: tags with
// URIs, EXT-X-DEFINE, comments, and EXTINF or EXT-X-STREAM-INF before URI
// lines, with now and then a comment (or, when hostile, an EXT-X-DEFINE)
// between them.
func (g *synthGen) lines(master bool) []string {
	ls, tags, inf := []string{"#EXTM3U"}, synthMediaTags, `EXTINF:4,`
	if master {
		tags, inf = synthMasterTags, `EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a"`
	} else if g.r.IntN(8) > 0 {
		ls = append(ls, "#EXT-X-TARGETDURATION:4")
	}
	uriLine := func() {
		ls = append(ls, g.tag(inf))
		if g.r.IntN(10) == 0 {
			ls = append(ls, g.comment())
		}
		if g.mut(0.1) {
			ls = append(ls, g.tag(g.pick(synthDefines...)))
		}
		ls = append(ls, g.uri())
	}
	for range 1 + g.r.IntN(8) {
		switch r := g.r.IntN(20); {
		case r < 3:
			ls = append(ls, g.tag(g.pick(synthDefines...)))
		case r < 5:
			ls = append(ls, g.comment())
		case r < 12:
			ls = append(ls, g.tag(g.pick(tags...)))
		default:
			uriLine()
		}
	}
	uriLine()
	if !master {
		ls = append(ls, "#EXT-X-ENDLIST")
	}
	return ls
}

// playlist returns one playlist's text. A hostile generator also inserts,
// inside lines, CR, U+2028 or U+2029 (where hls.js ends lines) and tags,
// indents lines, and sometimes ends lines with CR alone.
func (g *synthGen) playlist(master bool) string {
	ls := g.lines(master)
	for i := 1; i < len(ls); i++ {
		if g.mut(0.12) {
			at := g.r.IntN(len(ls[i]) + 1)
			for at < len(ls[i]) && !utf8.RuneStart(ls[i][at]) {
				at++
			}
			br, tag := g.pick(synthBreaks...), g.pick(synthEmbeds...)
			ls[i] = ls[i][:at] + g.pick(br, br+tag, tag) + ls[i][at:]
		}
		ls[i] = g.or(0.04, "", synthBlanks...) + ls[i]
	}
	eol := g.or(0.02, g.pick("\n", "\n", "\n", "\n", "\r\n"), "\r")
	return strings.Join(ls, eol) + eol
}
