package playlist

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddQuery(t *testing.T) {
	tests := []struct {
		name, uri, query, want string
	}{
		{"plain", "a.ts", "Q=1", "a.ts?Q=1"},
		{"existing query", "a.ts?v=1", "Q=1", "a.ts?v=1&Q=1"},
		{"trailing ?", "a.ts?", "Q=1", "a.ts?Q=1"},
		{"trailing &", "a.ts?v=1&", "Q=1", "a.ts?v=1&Q=1"},
		{"fragment", "a.ts#f?x", "Q=1", "a.ts?Q=1#f?x"},
		{"query and fragment", "a.ts?v=1#f", "Q=1", "a.ts?v=1&Q=1#f"},
		{"leading ? on query", "a.ts", "?Q=1", "a.ts?Q=1"},
		{"leading & on query", "a.ts?v", "&Q=1", "a.ts?v&Q=1"},
		{"empty query", "a.ts", "", "a.ts"},
		{"only ?", "a.ts", "?", "a.ts"},
		{"variables untouched", "{$base}/a {$x}.ts", "Q=1", "{$base}/a {$x}.ts?Q=1"},
		{"absolute", "https://h/p/a.ts", "Q=1", "https://h/p/a.ts?Q=1"},
		{"empty uri", "", "Q=1", "?Q=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, AddQuery(tt.uri, tt.query))
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in           string
		class        uriClass
		scheme, host string
	}{
		{"a.ts", classRelative, "", ""},
		{"/a.ts", classRelative, "", ""},
		{"../a.ts", classRelative, "", ""},
		{"?x=1", classRelative, "", ""},
		{"{$base}/a.ts", classRelative, "", ""},
		{"a/b:c.ts", classRelative, "", ""},
		{"https://h.example/a", classAbsolute, "https", "h.example"},
		{"HTTP://H.example:80?x", classAbsolute, "HTTP", "H.example:80"},
		{"https://u:p@h.example#f", classOther, "", ""},
		{"https://h.example", classAbsolute, "https", "h.example"},
		{"https://[::1]:443/a", classAbsolute, "https", "[::1]:443"},
		{"//h.example/a", classNetPath, "", "h.example"},
		{"https:///a", classOther, "", ""},
		{"//", classOther, "", ""},
		{"https:a", classOther, "", ""},
		{"data:text/plain,x", classOther, "", ""},
		{"skd://key", classOther, "", ""},
		{"c:\\a.ts", classOther, "", ""},
		{"git+ssh://h/a", classOther, "", ""},
		{`https://evil.example\@cdn.example/a.ts`, classOther, "", ""},
		{`\\evil.example\a.ts`, classOther, "", ""},
		{`/\evil.example/a.ts`, classOther, "", ""},
		{`a.ts?x=\`, classRelative, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, scheme, host := classify([]byte(tt.in))
			assert.Equal(t, tt.class, c)
			assert.Equal(t, tt.scheme, string(scheme))
			assert.Equal(t, tt.host, string(host))
		})
	}
}

func TestOriginMatch(t *testing.T) {
	o := makeScopeHost("https", "CDN.example.com:443")
	assert.Equal(t, "CDN.example.com", o.host)
	assert.True(t, o.matchAbsolute([]byte("HTTPS"), []byte("cdn.example.com")))
	assert.True(t, o.matchAbsolute([]byte("https"), []byte("cdn.example.com:")))
	assert.False(t, o.matchAbsolute([]byte("http"), []byte("cdn.example.com")))
	assert.False(t, o.matchAbsolute([]byte("https"), []byte("cdn.example.com:8443")))
	assert.False(t, o.matchAbsolute([]byte("https"), []byte("xcdn.example.com")))
	assert.True(t, o.matchHost([]byte("cdn.example.com:443")))
	assert.False(t, (&scopeHost{}).matchHost([]byte("")))

	h := makeScopeHost("HTTP", "cdn.example.com:80")
	assert.Equal(t, "cdn.example.com", h.host)
	assert.True(t, h.matchAbsolute([]byte("http"), []byte("CDN.example.com")))
	assert.Equal(t, "", defaultPort("ftp"))

	assert.Equal(t, "[::1]", trimPort("[::1]:443", "443"))
	assert.Equal(t, "[::443]", trimPort("[::443]", "443"))
	assert.Equal(t, "h:8080", trimPort("h:8080", "80"))
	assert.Equal(t, "h", trimPort("h:80", "80"))
}

// TestResolveRFC3986 runs the examples of RFC 3986 section 5.4 through the
// resolver that rebases URIs.
func TestResolveRFC3986(t *testing.T) {
	examples := map[string]string{
		// 5.4.1 normal examples
		"g": "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/",
		"/g": "http://a/g", "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y",
		"#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s", "g?y#s": "http://a/b/c/g?y#s",
		";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "g;x?y#s": "http://a/b/c/g;x?y#s",
		"": "http://a/b/c/d;p?q", ".": "http://a/b/c/", "./": "http://a/b/c/",
		"..": "http://a/b/", "../": "http://a/b/", "../g": "http://a/b/g",
		"../..": "http://a/", "../../": "http://a/", "../../g": "http://a/g",
		// 5.4.2 abnormal examples
		"../../../g": "http://a/g", "../../../../g": "http://a/g",
		"/./g": "http://a/g", "/../g": "http://a/g", "g.": "http://a/b/c/g.",
		".g": "http://a/b/c/.g", "g..": "http://a/b/c/g..", "..g": "http://a/b/c/..g",
		"./../g": "http://a/b/g", "./g/.": "http://a/b/c/g/", "g/./h": "http://a/b/c/g/h",
		"g/../h": "http://a/b/c/h", "g;x=1/./y": "http://a/b/c/g;x=1/y",
		"g;x=1/../y": "http://a/b/c/y", "g?y/./x": "http://a/b/c/g?y/./x",
		"g?y/../x": "http://a/b/c/g?y/../x", "g#s/./x": "http://a/b/c/g#s/./x",
		"g#s/../x": "http://a/b/c/g#s/../x",
		// and what HLS adds
		"{$v}/../x.ts": "http://a/b/c/x.ts", "seg {$n}.ts?a={$b}": "http://a/b/c/seg {$n}.ts?a={$b}",
		"a//b/../c": "http://a/b/c/a//c", "/": "http://a/",
	}
	b := newBase(mustURL(t, "http://a/b/c/d;p?q"))
	for ref, want := range examples {
		t.Run(ref, func(t *testing.T) {
			assert.Equal(t, want, string(b.appendResolve(nil, []byte(ref))))
		})
	}
}

// TestResolveMatchesNetURL compares the resolver with net/url on references
// whose bytes net/url would not escape.
func TestResolveMatchesNetURL(t *testing.T) {
	bases := []string{"https://cdn.example.com", "https://cdn.example.com/", "https://cdn.example.com/a/b/c.m3u8?x=1", "https://cdn.example.com/a/"}
	refs := []string{"x.ts", "./x.ts", "../x.ts", "../../../../x.ts", "/x/./y/../z.ts", "x/", "x/..", "?q=1", "x.ts?a=1#f", "./", "../", "a/b/../../c", "..", "."}
	for _, bs := range bases {
		bu := mustURL(t, bs)
		b := newBase(bu)
		for _, ref := range refs {
			t.Run(bs+" "+ref, func(t *testing.T) {
				want := bu.ResolveReference(mustURL(t, ref)).String()
				assert.Equal(t, want, string(b.appendResolve(nil, []byte(ref))))
			})
		}
	}
}

func TestRemoveDots(t *testing.T) {
	tests := map[string]string{
		"/": "/", "/a": "/a", "/a/": "/a/", "/.": "/", "/..": "/", "/a/..": "/",
		"/a/b/..": "/a/", "/a/./b": "/a/b", "/a/../../b": "/b", "//": "//", "/a//..": "/a/",
		"/mid/content=5/../6": "/mid/6",
	}
	for in, want := range tests {
		assert.Equal(t, want, string(removeDots([]byte(in))), in)
	}
}

func TestPlainPath(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31} {
		s := strings.Repeat("a", n)
		assert.True(t, plainPath([]byte(s)), "%q", s)
		for i := 0; i < n; i++ {
			for _, c := range []byte{':', '?', '#'} {
				b := []byte(s)
				b[i] = c
				assert.False(t, plainPath(b), "%q", b)
			}
			for _, c := range []byte{0, '\t', '\v', '\r', 0x1f, 0x7f, '\\', '{'} {
				b := []byte(s)
				b[i] = c
				assert.False(t, plainPath(b), "%q", b)
			}
			b := []byte(s)
			b[i] = ' '
			assert.Equal(t, i != 0 && i != n-1 || n == 0, plainPath(b), "an inner space is plain: %q", b)
		}
	}
	assert.False(t, plainPath([]byte("//host/a.ts")))
	assert.True(t, plainPath([]byte("/root/a.ts")))
	assert.True(t, plainPath([]byte("segment_000001.ts")))
}

func TestNewBase(t *testing.T) {
	b := newBase(mustURL(t, "https://cdn.example.com"))
	assert.Equal(t, "/", b.dir)
	b = newBase(&url.URL{Scheme: "https", Host: "h", Path: "/a b/c.m3u8"})
	assert.Equal(t, "/a%20b/", b.dir)
	require.Equal(t, "https://h/a%20b/x.ts", string(b.appendResolve(nil, []byte("x.ts"))))
}
