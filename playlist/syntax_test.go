package playlist

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRewriteLooseSyntaxUntouched: a tag line whose attributes hls.js
// splits differently from the Rewriter (text after a closing quote, blanks
// around names or '=', empty or unnamed pairs, a trailing comma), or that
// holds CR, U+2028 or U+2029 (where hls.js ends lines), is left byte for
// byte: signing a URI on it could put credentials in a URI hls.js reads
// with another host in front.
func TestRewriteLooseSyntaxUntouched(t *testing.T) {
	lines := map[string]string{
		"text after quote":            `#EXT-X-MAP:URI="https://evil.example/?" ,URI="init.mp4"`,
		"junk after quote":            `#EXT-X-MAP:URI="https://evil.example/?"x,URI="init.mp4"`,
		"key, text after quote":       `#EXT-X-KEY:METHOD=AES-128,URI="https://evil.example/?" ,URI="k.key"`,
		"media, text after quote":     `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="x" ,URI="a.m3u8"`,
		"blanks around equals":        `#EXT-X-PART:DURATION=1 , URI = "p.ts"`,
		"empty pair":                  `#EXT-X-PART:DURATION=1,,URI="p.ts"`,
		"lower-case name":             `#EXT-X-MAP:uri="x",URI="init.mp4"`,
		"form feed in name":           "#EXT-X-MAP:\fX=\"y\",URI=\"init.mp4\"",
		"trailing comma":              `#EXT-X-MAP:URI="init.mp4",`,
		"unquoted value with blank":   `#EXT-X-MAP:X=a b,URI="init.mp4"`,
		"unquoted value with a quote": `#EXT-X-MAP:X=a"b",URI="init.mp4"`,
	}
	rw := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/a/index.m3u8"), Query: "Q=1", Carry: "C=2"}
	for name, line := range lines {
		t.Run(name, func(t *testing.T) {
			got, err := rewriteString(t, rw, line+"\n")
			require.NoError(t, err)
			assert.Equal(t, line+"\n", got)
		})
	}
	got, err := rewriteString(t, rw, `#EXT-X-MAP:URI="init.mp4",BYTERANGE="1@0"`+"\n")
	require.NoError(t, err)
	assert.Equal(t, `#EXT-X-MAP:URI="init.mp4?Q=1",BYTERANGE="1@0"`+"\n", got, "the strict grammar is rewritten")
}

// TestRewriteUnsafePlaylists: what changes where URIs point from outside
// any URI's text fails with ErrUnsafe when there are credentials to add,
// and passes through without them (cookies mode).
func TestRewriteUnsafePlaylists(t *testing.T) {
	tests := []struct{ name, in string }{
		{"content steering", `#EXT-X-CONTENT-STEERING:SERVER-URI="https://evil.example/steer.json"` + "\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"},
		{"content steering in a comment", `# #EXT-X-CONTENT-STEERING:SERVER-URI="https://evil.example/s.json"` + "\n"},
		{"define in a comment", "# #EXT-X-DEFINE:NAME=\"h\",VALUE=\"https://evil.example/?\"\n#EXT-X-STREAM-INF:BANDWIDTH=2\n{$h}w.m3u8\n"},
		{"define in a quoted value", `#EXT-X-SESSION-DATA:DATA-ID="x",VALUE="#EXT-X-DEFINE:NAME=\"h\""` + "\n"},
		{"define in an indented comment", "  # x #EXT-X-DEFINE:NAME=\"h\",VALUE=\"a\"\n"},
		{"define after a segment URI", "a.ts#EXT-X-DEFINE:NAME=\"h\",VALUE=\"a\"\n"},
		{"define after a tag's attributes", "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i.m3u8\" #EXT-X-DEFINE:NAME=\"h\",VALUE=\"a\"\n"},
		{"query parameter Policy", `#EXT-X-DEFINE:QUERYPARAM="Policy"` + "\n#EXTINF:4,\nhttps://evil.example/s?p={$Policy}\n"},
		{"query parameter in any case", `#EXT-X-DEFINE:QUERYPARAM="key-pair-id"` + "\n"},
		{"query parameter from Carry", `#EXT-X-DEFINE:QUERYPARAM="Policy-PREFIX"` + "\n"},
		{"import and query parameter", `#EXT-X-DEFINE:IMPORT="a",QUERYPARAM="b"` + "\n#EXTINF:4,\n{$a}seg.ts\n"},
		{"name and import", `#EXT-X-DEFINE:NAME="a",VALUE="x",IMPORT="a"` + "\n"},
		{"loose define", `#EXT-X-DEFINE:NAME="h",VALUE="" ,Y="@evil.example/"` + "\n"},
		{"define with a form feed", "#EXT-X-DEFINE:\fNAME=\"h\",VALUE=\"https://evil.example/?\"\n"},
		{"define with CR", "#EXT-X-DEFINE:NAME=\"h\",VALUE=\"a\rb\"\n"},
		{"CR in another attribute", "#EXT-X-MAP:X=\"\rhttps://evil.example/?\",URI=\"init.mp4\"\n"},
		{"CR between attributes", "#EXT-X-MAP:X=\"a\",\rURI=\"init.mp4\"\n"},
		{"U+2028 in a URI", "#EXT-X-MAP:URI=\"x/\u2028//evil.example/\"\n"},
		{"U+2029 in another value", "#EXT-X-MAP:X=\"\u2029https://evil.example/?\",URI=\"init.mp4\"\n"},
		{"STREAM-INF in a NAME, CR", "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"#EXT-X-STREAM-INF:BANDWIDTH=1\rhttps://evil.example/?\",URI=\"a.m3u8\"\n"},
		{"CR-only line endings", "#EXT-X-TARGETDURATION:4\r#EXT-X-DEFINE:QUERYPARAM=\"Policy\"\r#EXTINF:4,\rhttps://evil.example/s?{$Policy}\r"},
		{"comment, CR, define", "#EXTINF:4,\na.ts\n# c\r#EXT-X-DEFINE:QUERYPARAM=\"Policy\"\n"},
		{"EXTINF without a comma", "#EXTINF:4#EXT-X-DEFINE:QUERYPARAM=\"Policy\",\nhttps://evil.example/s?{$Policy}\n"},
		{"EXTINF title with U+2028", "#EXTINF:4,t\u2028#EXT-X-DEFINE:QUERYPARAM=\"Policy\"\na.ts\n"},
	}
	creds := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/a/index.m3u8"), Query: "Q=1", Carry: "Policy-PREFIX=x"}
	cookies := &Rewriter{Base: creds.Base}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rewriteString(t, creds, tt.in)
			assert.ErrorIs(t, err, ErrUnsafe)
			var pe *ParseError
			if assert.ErrorAs(t, err, &pe) {
				assert.Greater(t, pe.Line, 1)
			}
			got, err := rewriteString(t, cookies, tt.in)
			require.NoError(t, err, "nothing to leak without credentials")
			assert.Equal(t, tt.in, got)
		})
	}
	// A '#' in an EXTINF title is refused too: cheaper to check than to
	// know where hls.js ends the title.
	_, err := rewriteString(t, creds, "#EXTINF:4,#EXT-X-DEFINE:NAME=\"h\",VALUE=\"a\"\na.ts\n")
	assert.ErrorIs(t, err, ErrUnsafe)

	steer := &Rewriter{Base: creds.Base, Query: "Q=1", AllowSteering: true}
	got, err := rewriteString(t, steer, `#EXT-X-CONTENT-STEERING:SERVER-URI="/s.json"`+"\n")
	require.NoError(t, err)
	assert.Equal(t, `#EXT-X-CONTENT-STEERING:SERVER-URI="/s.json?Q=1"`+"\n", got, "AllowSteering")
}

// TestRewriteDefineBetweenVariantAndURI: hls.js skips '#' lines between
// EXT-X-STREAM-INF and its URI, so it never reads an EXT-X-DEFINE there;
// after one, no variable is known.
func TestRewriteDefineBetweenVariantAndURI(t *testing.T) {
	rw := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/a/index.m3u8"), Query: "Q=1"}
	in := "#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-DEFINE:NAME=\"h\",VALUE=\"\"\nv.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\n{$h}w.m3u8\n"
	got, err := rewriteString(t, rw, in)
	require.NoError(t, err)
	assert.Equal(t, "#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-DEFINE:NAME=\"h\",VALUE=\"\"\nv.m3u8?Q=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\n{$h}w.m3u8\n", got)
}
