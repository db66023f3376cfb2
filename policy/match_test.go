package policy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

func TestMatch(t *testing.T) {
	const d = "https://d111111abcdef8.cloudfront.net"
	for _, tc := range []struct {
		name, pattern, url string
		want               bool
	}{
		{"exact", d + "/a.ts", d + "/a.ts", true},
		{"exact differs", d + "/a.ts", d + "/b.ts", false},
		{"star alone matches all", "*", d + "/anything?x=1", true},
		{"star alone matches empty", "*", "", true},
		{"directory wildcard", d + "/movies/1/*", d + "/movies/1/index.m3u8", true},
		{"directory wildcard deeper", d + "/movies/1/*", d + "/movies/1/720p/seg-1.ts", true},
		{"directory wildcard covers query", d + "/movies/1/*", d + "/movies/1/a.ts?v=2&x=y", true},
		{"directory wildcard is not a prefix of a sibling", d + "/movies/1/*", d + "/movies/10/index.m3u8", false},
		{"directory wildcard other dir", d + "/movies/1/*", d + "/movies/2/index.m3u8", false},
		{"directory itself", d + "/movies/1/*", d + "/movies/1/", true},
		{"directory without slash", d + "/movies/1/*", d + "/movies/1", false},
		{"scheme wildcard https", "http*://d/a", "https://d/a", true},
		{"scheme wildcard http", "http*://d/a", "http://d/a", true},
		{"question mark one char", d + "/seg-?.ts", d + "/seg-7.ts", true},
		{"question mark not zero", d + "/seg-?.ts", d + "/seg-.ts", false},
		{"question mark not two", d + "/seg-?.ts", d + "/seg-12.ts", false},
		{"question mark matches literal question mark", d + "/a.ts?v=1", d + "/a.ts?v=1", true},
		{"question mark in query position", d + "/a.ts?v=1", d + "/a.tsXv=1", true},
		{"star in middle", d + "/movies/*/index.m3u8", d + "/movies/1/2/index.m3u8", true},
		{"star in middle mismatch", d + "/movies/*/index.m3u8", d + "/movies/1/index.mpd", false},
		{"two stars backtracking", "*a*b", "xxaxxbxxaxb", true},
		{"two stars failing", "*a*b", "xxaxxbxxax", false},
		{"trailing stars match empty", "abc***", "abc", true},
		{"case sensitive", d + "/Movies/*", d + "/movies/1", false},
		{"longer URL than pattern", d + "/a", d + "/a/b", false},
		{"empty pattern", "", d, false},
		{"empty both", "", "", true},
		{"star against a literal star", "*", "*0", true},
		{"literal star in subject", "a*", "a*b", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, policy.Match(tc.pattern, tc.url))
		})
	}
}

// TestMatchWorstCase guards against exponential backtracking.
func TestMatchWorstCase(t *testing.T) {
	pattern := strings.Repeat("*a", 50) + "b"
	s := strings.Repeat("a", 2000)
	assert.False(t, policy.Match(pattern, s))
}

func TestDirScope(t *testing.T) {
	for _, tc := range []struct{ name, in, want, err string }{
		{"playlist", "https://d/movies/1/index.m3u8", "https://d/movies/1/*", ""},
		{"query and fragment dropped", "https://d/movies/1/index.m3u8?v=2#t=3", "https://d/movies/1/*", ""},
		{"escaped path kept", "https://d/movies/a%20b/index.m3u8", "https://d/movies/a%20b/*", ""},
		{"root", "https://d/index.m3u8", "https://d/*", ""},
		{"no path", "https://d", "https://d/*", ""},
		{"port", "http://127.0.0.1:8080/m/x.m3u8", "http://127.0.0.1:8080/m/*", ""},
		{"relative", "/movies/1/index.m3u8", "", "absolute http or https"},
		{"other scheme", "ftp://d/a.m3u8", "", "absolute http or https"},
		{"unparsable", "https://d/%zz", "", "playlist URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := policy.DirScope(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, policy.ErrInvalid)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			base, _, _ := strings.Cut(tc.in, "?")
			if strings.Count(base, "/") > 2 {
				assert.True(t, policy.Match(got, base), "%s must cover %s", got, base)
			}
		})
	}
}
