package playlist

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRewriteVariables: variables the playlist defines are substituted
// before scope and the '?'/'&' choice, the text written stays the original,
// and a URI whose scheme or host could come from an unknown variable is
// left alone.
func TestRewriteVariables(t *testing.T) {
	define := func(name, value string) string {
		return `#EXT-X-DEFINE:NAME="` + name + `",VALUE="` + value + `"` + "\n"
	}
	tests := []struct {
		name, in, want string
	}{
		{"variable supplies the query", define("auth", "?auth_token=abc") + "prog_index.m3u8{$auth}\n",
			define("auth", "?auth_token=abc") + "prog_index.m3u8{$auth}&Q=1\n"},
		{"variable supplies part of the query", define("v", "&b=2") + "a.ts?a=1{$v}\n",
			define("v", "&b=2") + "a.ts?a=1{$v}&Q=1\n"},
		{"variable supplies a foreign host", define("h", "https://evil.example") + "{$h}/x.ts\n",
			define("h", "https://evil.example") + "{$h}/x.ts\n"},
		{"variable supplies the CDN host", define("h", "https://cdn.example.com/vod") + "{$h}/x.ts\n",
			define("h", "https://cdn.example.com/vod") + "{$h}/x.ts?Q=1\n"},
		{"variable supplies a network path", define("h", "/evil.example") + "/{$h}/x.ts\n",
			define("h", "/evil.example") + "/{$h}/x.ts\n"},
		{"variable completes the scheme", define("h", "ttps://evil.example") + "h{$h}/x.ts\n",
			define("h", "ttps://evil.example") + "h{$h}/x.ts\n"},
		{"variable with a leading NBSP", define("h", "\u00a0https://evil.example/x.ts") + "{$h}\n",
			define("h", "\u00a0https://evil.example/x.ts") + "{$h}\n"},
		{"variable supplies a fragment", define("f", "#t=1") + "a.ts{$f}\n", define("f", "#t=1") + "a.ts{$f}\n"},
		{"variable in a quoted attribute", define("h", "https://evil.example") + `#EXT-X-KEY:METHOD=AES-128,URI="{$h}/k"` + "\n",
			define("h", "https://evil.example") + `#EXT-X-KEY:METHOD=AES-128,URI="{$h}/k"` + "\n"},
		{"defined after use is unknown", "{$h}/x.ts\n" + define("h", "a"), "{$h}/x.ts\n" + define("h", "a")},
		{"defined twice is unknown", define("h", "a") + define("h", "b") + "{$h}/x.ts\n", define("h", "a") + define("h", "b") + "{$h}/x.ts\n"},
		{"imported is unknown", `#EXT-X-DEFINE:IMPORT="h"` + "\n{$h}/x.ts\n", `#EXT-X-DEFINE:IMPORT="h"` + "\n{$h}/x.ts\n"},
		{"query parameter is unknown", `#EXT-X-DEFINE:QUERYPARAM="h"` + "\n{$h}/x.ts\n", `#EXT-X-DEFINE:QUERYPARAM="h"` + "\n{$h}/x.ts\n"},
		{"never defined is unknown", "{$h}/x.ts\n", "{$h}/x.ts\n"},
		{"unknown after the first segment", `#EXT-X-DEFINE:IMPORT="h"` + "\nseg/{$h}.ts\n", `#EXT-X-DEFINE:IMPORT="h"` + "\nseg/{$h}.ts?Q=1\n"},
		{"unknown in the query", `#EXT-X-DEFINE:QUERYPARAM="t"` + "\na.ts?t={$t}\n", `#EXT-X-DEFINE:QUERYPARAM="t"` + "\na.ts?t={$t}&Q=1\n"},
		{"unknown after the host", "https://cdn.example.com/{$h}.ts\n", "https://cdn.example.com/{$h}.ts?Q=1\n"},
		{"unknown inside the host", "https://cdn.example.com{$h}/x.ts\n", "https://cdn.example.com{$h}/x.ts\n"},
		{"unknown after a plain first segment", "seg-{$h}.ts\n", "seg-{$h}.ts?Q=1\n"},
		{"unknown after what could start https", "ht{$h}.ts\n", "ht{$h}.ts\n"},
		{"not a variable name", "a{$-x y}.ts\n", "a{$-x y}.ts?Q=1\n"},
	}
	rw := &Rewriter{Base: mustURL(t, "https://cdn.example.com/vod/a/index.m3u8"), Query: "Q=1"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteString(t, rw, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestRewriteIndentedTags: players trim lines, so an indented tag is a tag:
// an indented EXT-X-STREAM-INF makes the next URI a variant (with Carry), an
// indented KEY or MAP gets its URI rewritten, and the indentation stays.
func TestRewriteIndentedTags(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"variant", "      #EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", "      #EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?Q=1&C=2\n"},
		{"tab before variant", "\t#EXT-X-STREAM-INF:BANDWIDTH=1\r\n  v.m3u8\r\n", "\t#EXT-X-STREAM-INF:BANDWIDTH=1\r\n  v.m3u8?Q=1&C=2\r\n"},
		{"key", `  #EXT-X-KEY:METHOD=AES-128,URI="k.key"` + "\n", `  #EXT-X-KEY:METHOD=AES-128,URI="k.key?Q=1"` + "\n"},
		{"map", ` #EXT-X-MAP:URI="init.mp4"`, ` #EXT-X-MAP:URI="init.mp4?Q=1"`},
		{"rendition", `   #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a.m3u8"` + "\n",
			`   #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a.m3u8?Q=1&C=2"` + "\n"},
		{"extinf", "  #EXTINF:4,\nseg.ts\n", "  #EXTINF:4,\nseg.ts?Q=1\n"},
		{"indented comment stays a comment", `  # URI="a.ts"` + "\n", `  # URI="a.ts"` + "\n"},
		{"indented unknown tag", `  #EXT-X-FOO:URI="a.ts"` + "\n", `  #EXT-X-FOO:URI="a.ts"` + "\n"},
	}
	rw := &Rewriter{Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteString(t, rw, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := rewriteString(t, rw, "  #EXT-X-STREAM-INF:BANDWIDTH=1\n")
	assert.ErrorIs(t, err, ErrMissingURI, "an indented variant tag needs its URI like any other")
}

// TestRewriteAmbiguousURIs: the findings of the security review, one by one,
// on URI lines and in quoted attributes, through the fast path and the
// net/url path alike.
func TestRewriteAmbiguousURIs(t *testing.T) {
	uris := map[string]string{
		"vertical tab":   "\x0bhttps://evil.example/a.ts",
		"form feed":      "\x0chttps://evil.example/a.ts",
		"SOH":            "\x01https://evil.example/a.ts",
		"NBSP":           "\u00a0https://evil.example/a.ts",
		"BOM":            "\ufeffhttps://evil.example/a.ts",
		"U+2028":         "\u2028https://evil.example/a.ts",
		"trailing NBSP":  "//evil.example/a.ts\u00a0",
		"tab in path":    "/\t/evil.example/x.ts",
		"tab in scheme":  "h\tttps://evil.example/x.ts",
		"VT then CR":     "\x0b\r//127.0.0.2:8080/x.ts",
		"DEL":            "\x7f//evil.example/a.ts",
		"backslash":      `/\evil.example/a.ts`,
		"userinfo":       "https://evil.example@cdn.example.com/a.ts",
		"digit scheme":   "1http://evil.example/a.ts",
		"invalid UTF-8":  "\xff//evil.example/a.ts",
		"scheme no host": "https:evil.example/a.ts",
	}
	for cfg, rw := range map[string]*Rewriter{
		"fast":    {Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2"},
		"inscope": {Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2", InScope: func(u *url.URL, _ Kind) bool { return true }},
	} {
		for name, u := range uris {
			t.Run(cfg+"/"+name, func(t *testing.T) {
				for _, in := range []string{
					"#EXTINF:4,\n" + u + "\n",
					"#EXT-X-STREAM-INF:BANDWIDTH=1\n" + u + "\n",
					`#EXT-X-KEY:METHOD=AES-128,URI="` + u + `"` + "\n",
					`#EXT-X-MAP:URI="` + u + `"` + "\n",
					`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="` + u + `"` + "\n",
				} {
					got, err := rewriteString(t, rw, in)
					if strings.ContainsAny(u, "\r\u2028\u2029") {
						// A line break for players: the whole playlist is refused.
						assert.ErrorIs(t, err, ErrUnsafe)
						continue
					}
					require.NoError(t, err)
					assert.Equal(t, in, got, "left byte for byte")
				}
			})
		}
	}
}
