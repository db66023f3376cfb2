package playlist

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testBase = "https://cdn.example.com/vod/movie/index.m3u8"

// rewriteString rewrites "#EXTM3U\n"+body and returns the output without
// that first line.
func rewriteString(t *testing.T, rw *Rewriter, body string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := rw.Rewrite(&out, strings.NewReader("#EXTM3U\n"+body))
	return strings.TrimPrefix(out.String(), "#EXTM3U\n"), err
}

func TestRewriteRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"segment", "#EXTINF:4,\na.ts\n", "#EXTINF:4,\na.ts?Q=1\n"},
		{"uri line without EXTINF", "a.ts\n", "a.ts?Q=1\n"},
		{"variant gets carry", "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?Q=1&C=2\n"},
		{"variant after blank and comment", "#EXT-X-STREAM-INF:BANDWIDTH=1\n\n# note\nv.m3u8\n", "#EXT-X-STREAM-INF:BANDWIDTH=1\n\n# note\nv.m3u8?Q=1&C=2\n"},
		{"segment after variant is a segment", "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\nx.ts\n", "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?Q=1&C=2\nx.ts?Q=1\n"},
		{"rendition", `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a.m3u8"` + "\n", `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a.m3u8?Q=1&C=2"` + "\n"},
		{"closed captions have no URI", `#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="en",INSTREAM-ID="CC1"` + "\n", `#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="en",INSTREAM-ID="CC1"` + "\n"},
		{"i-frame", `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="i.m3u8"` + "\n", `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="i.m3u8?Q=1&C=2"` + "\n"},
		{"image", `#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=1,CODECS="jpeg",URI="img.m3u8"` + "\n", `#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=1,CODECS="jpeg",URI="img.m3u8?Q=1&C=2"` + "\n"},
		{"key", `#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=0x1` + "\n", `#EXT-X-KEY:METHOD=AES-128,URI="k.key?Q=1",IV=0x1` + "\n"},
		{"key method none", `#EXT-X-KEY:METHOD=NONE,URI="k.key"` + "\n", `#EXT-X-KEY:METHOD=NONE,URI="k.key"` + "\n"},
		{"key method after uri", `#EXT-X-KEY:URI="k.key",METHOD=NONE` + "\n", `#EXT-X-KEY:URI="k.key",METHOD=NONE` + "\n"},
		{"session key", `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="k.key"` + "\n", `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="k.key?Q=1"` + "\n"},
		{"skd key", `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://id"` + "\n", `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://id"` + "\n"},
		{"data key", `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,AAA="` + "\n", `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,AAA="` + "\n"},
		{"map", `#EXT-X-MAP:URI="init.mp4",BYTERANGE="1@0"` + "\n", `#EXT-X-MAP:URI="init.mp4?Q=1",BYTERANGE="1@0"` + "\n"},
		{"part", `#EXT-X-PART:DURATION=1,URI="p.mp4"` + "\n", `#EXT-X-PART:DURATION=1,URI="p.mp4?Q=1"` + "\n"},
		{"preload hint", `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p.mp4"` + "\n", `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p.mp4?Q=1"` + "\n"},
		{"rendition report", `#EXT-X-RENDITION-REPORT:URI="../1M/x.m3u8",LAST-MSN=1` + "\n", `#EXT-X-RENDITION-REPORT:URI="../1M/x.m3u8?Q=1&C=2",LAST-MSN=1` + "\n"},
		{"session data", `#EXT-X-SESSION-DATA:DATA-ID="d",URI="d.json"` + "\n", `#EXT-X-SESSION-DATA:DATA-ID="d",URI="d.json?Q=1"` + "\n"},
		{"steering", `#EXT-X-CONTENT-STEERING:SERVER-URI="/s.json",PATHWAY-ID="A"` + "\n", `#EXT-X-CONTENT-STEERING:SERVER-URI="/s.json?Q=1",PATHWAY-ID="A"` + "\n"},
		{"asset uri and list", `#EXT-X-DATERANGE:ID="a",X-ASSET-URI="a.m3u8",X-ASSET-LIST="l.json"` + "\n", `#EXT-X-DATERANGE:ID="a",X-ASSET-URI="a.m3u8?Q=1&C=2",X-ASSET-LIST="l.json?Q=1"` + "\n"},
		{"prefetch", "#EXT-X-PREFETCH:p.ts\n", "#EXT-X-PREFETCH:p.ts?Q=1\n"},
		{"prefetch discontinuity", "#EXT-X-PREFETCH-DISCONTINUITY\n", "#EXT-X-PREFETCH-DISCONTINUITY\n"},
		{"skip", "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n", "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n"},
		{"whole attribute names", `#EXT-X-PART:X-URI="a",URI-X="b",URI="c"` + "\n", `#EXT-X-PART:X-URI="a",URI-X="b",URI="c?Q=1"` + "\n"},
		{"comma in quoted string", `#EXT-X-DATERANGE:ID="a",X-NOTE="x, URI=y",X-ASSET-URI="a.m3u8"` + "\n", `#EXT-X-DATERANGE:ID="a",X-NOTE="x, URI=y",X-ASSET-URI="a.m3u8?Q=1&C=2"` + "\n"},
		{"comment with uri", `# URI="a.ts"` + "\n", `# URI="a.ts"` + "\n"},
		{"unknown tag with uri", `#EXT-X-FOO:URI="a.ts"` + "\n", `#EXT-X-FOO:URI="a.ts"` + "\n"},
		{"tag without colon", "#EXT-X-MEDIA\n", "#EXT-X-MEDIA\n"},
		{"existing query", "a.ts?v=1\n", "a.ts?v=1&Q=1\n"},
		{"query ends with ?", "a.ts?\n", "a.ts?Q=1\n"},
		{"query ends with &", "a.ts?v=1&\n", "a.ts?v=1&Q=1\n"},
		{"fragment", "a.ts#t=1\n", "a.ts?Q=1#t=1\n"},
		{"query and fragment", "a.ts?v=1#t=1?x\n", "a.ts?v=1&Q=1#t=1?x\n"},
		{"variable", "a{$v}.ts?x={$q}\n", "a{$v}.ts?x={$q}&Q=1\n"},
		{"root relative", "/a/b.ts\n", "/a/b.ts?Q=1\n"},
		{"dot dot", "../b.ts\n", "../b.ts?Q=1\n"},
		{"absolute in scope", "https://cdn.example.com/a.ts\n", "https://cdn.example.com/a.ts?Q=1\n"},
		{"absolute folded", "HTTPS://Cdn.Example.COM:443/a.ts\n", "HTTPS://Cdn.Example.COM:443/a.ts?Q=1\n"},
		{"absolute empty port", "https://cdn.example.com:/a.ts\n", "https://cdn.example.com:/a.ts?Q=1\n"},
		{"absolute other host", "https://other.example.com/a.ts\n", "https://other.example.com/a.ts\n"},
		{"absolute other scheme", "http://cdn.example.com/a.ts\n", "http://cdn.example.com/a.ts\n"},
		{"absolute other port", "https://cdn.example.com:444/a.ts\n", "https://cdn.example.com:444/a.ts\n"},
		{"host as a suffix", "https://cdn.example.com.evil/a.ts\n", "https://cdn.example.com.evil/a.ts\n"},
		{"host in userinfo", "https://cdn.example.com@evil.example/a.ts\n", "https://cdn.example.com@evil.example/a.ts\n"},
		{"network path in scope", "//cdn.example.com/a.ts\n", "//cdn.example.com/a.ts?Q=1\n"},
		{"network path other host", "//other.example.com/a.ts\n", "//other.example.com/a.ts\n"},
		{"http without host", "http:a.ts\n", "http:a.ts\n"},
		{"other scheme", "rtmp://cdn.example.com/a\n", "rtmp://cdn.example.com/a\n"},
		{"crlf", "#EXTINF:4,\r\na.ts\r\n", "#EXTINF:4,\r\na.ts?Q=1\r\n"},
		{"no final newline", "a.ts", "a.ts?Q=1"},
		{"lone cr at the end", "a.ts\r", "a.ts?Q=1\r"},
		{"blanks around uri", " \ta.ts \t\n", " \ta.ts?Q=1 \t\n"},
		{"blanks inside quotes", `#EXT-X-MAP:URI=" init.mp4 "` + "\n", `#EXT-X-MAP:URI=" init.mp4?Q=1 "` + "\n"},
		{"blank lines", "\n \n\t\n", "\n \n\t\n"},
		{"unquoted uri attribute", "#EXT-X-MAP:URI=init.mp4\n", "#EXT-X-MAP:URI=init.mp4\n"},
		{"empty uri attribute", `#EXT-X-MAP:URI=""` + "\n", `#EXT-X-MAP:URI=""` + "\n"},
		{"header with trailing blank", "a.ts\n", "a.ts?Q=1\n"},
	}
	// Where URIs are, not which playlists are safe: steering allowed.
	rw := &Rewriter{Base: mustURL(t, testBase), Query: "Q=1", Carry: "C=2", AllowSteering: true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteString(t, rw, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRewriteOptions(t *testing.T) {
	base := mustURL(t, testBase)
	const in = "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n#EXTINF:4,\na.ts\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts\n"
	tests := []struct {
		name string
		rw   *Rewriter
		want string
	}{
		{"zero value copies", &Rewriter{}, in},
		{"no base: relative only", &Rewriter{Query: "Q=1"},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?Q=1\n#EXTINF:4,\na.ts?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts\n"},
		{"leading ? and & ignored", &Rewriter{Base: base, Query: "?Q=1", Carry: "&C=2"},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?Q=1&C=2\n#EXTINF:4,\na.ts?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts?Q=1\n"},
		{"carry without query", &Rewriter{Base: base, Carry: "C=2"},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?C=2\n#EXTINF:4,\na.ts\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts\n"},
		{"in scope narrows", &Rewriter{Base: base, Query: "Q=1", InScope: func(u *url.URL, k Kind) bool { return k == KindSegment }},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n#EXTINF:4,\na.ts?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts?Q=1\n"},
		{"in scope sees resolved URL", &Rewriter{Base: base, Query: "Q=1", InScope: func(u *url.URL, _ Kind) bool { return u.Path == "/vod/movie/a.ts" }},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n#EXTINF:4,\na.ts?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts\n"},
		{"rebase", &Rewriter{Base: mustURL(t, "https://api.example.com/p/master.m3u8"), Rebase: base, Query: "Q=1"},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nhttps://cdn.example.com/vod/movie/v.m3u8?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/vod/movie/a.ts?Q=1\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts?Q=1\n"},
		{"rebase onto a directory", &Rewriter{Rebase: mustURL(t, "https://cdn.example.com/dir/")},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nhttps://cdn.example.com/dir/v.m3u8\n#EXTINF:4,\nhttps://cdn.example.com/dir/a.ts\n#EXTINF:4,\nhttps://cdn.example.com/x/b.ts\n"},
		{"hook", &Rewriter{Base: base, Query: "Q=1", Hook: func(u URI) (string, error) {
			return fmt.Sprintf("%s|%s|%s|%s", u.Kind, u.Raw, u.URL, u.Default), nil
		}},
			"#EXT-X-STREAM-INF:BANDWIDTH=1\nvariant|v.m3u8|https://cdn.example.com/vod/movie/v.m3u8|v.m3u8?Q=1\n#EXTINF:4,\nsegment|a.ts|https://cdn.example.com/vod/movie/a.ts|a.ts?Q=1\n#EXTINF:4,\nsegment|https://cdn.example.com/x/b.ts|https://cdn.example.com/x/b.ts|https://cdn.example.com/x/b.ts?Q=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteString(t, tt.rw, in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRewriteKeyURI(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	rw := &Rewriter{
		Base:  mustURL(t, testBase),
		Query: "Q=1",
		KeyURI: func(u *url.URL) (string, error) {
			mu.Lock()
			seen = append(seen, u.String())
			mu.Unlock()
			return "https://keys.example.com/k?id=" + url.QueryEscape(u.Path), nil
		},
		Hook: func(u URI) (string, error) { return u.Default + "&h=1", nil },
	}
	in := `#EXT-X-KEY:METHOD=AES-128,URI="k1.key"` + "\n" +
		`#EXT-X-SESSION-KEY:METHOD=AES-128,URI="/keys/k2.key"` + "\n" +
		`#EXT-X-KEY:METHOD=AES-128,URI="https://other.example.com/k3.key"` + "\n" +
		`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k4"` + "\n" +
		`#EXT-X-KEY:METHOD=NONE` + "\n" +
		"#EXTINF:4,\na.ts\n"
	got, err := rewriteString(t, rw, in)
	require.NoError(t, err)
	assert.Equal(t, `#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.com/k?id=%2Fvod%2Fmovie%2Fk1.key"`+"\n"+
		`#EXT-X-SESSION-KEY:METHOD=AES-128,URI="https://keys.example.com/k?id=%2Fkeys%2Fk2.key"`+"\n"+
		`#EXT-X-KEY:METHOD=AES-128,URI="https://other.example.com/k3.key"`+"\n"+
		`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k4"`+"\n"+
		`#EXT-X-KEY:METHOD=NONE`+"\n"+
		"#EXTINF:4,\na.ts?Q=1&h=1\n", got)
	assert.Equal(t, []string{"https://cdn.example.com/vod/movie/k1.key", "https://cdn.example.com/keys/k2.key"}, seen)
}

func TestRewriteUnparsableURIWithFunctions(t *testing.T) {
	// net/url cannot read a variable in the host: with InScope set, such a
	// URI is left alone; without, the text rule decides.
	const in = "#EXTINF:4,\nhttps://{$host}/a.ts\n#EXTINF:4,\n%zz.ts\n"
	called := 0
	rw := &Rewriter{Base: mustURL(t, testBase), Query: "Q=1", InScope: func(*url.URL, Kind) bool { called++; return true }}
	got, err := rewriteString(t, rw, in)
	require.NoError(t, err)
	assert.Equal(t, in, got)
	assert.Zero(t, called)

	rw.InScope = nil
	got, err = rewriteString(t, rw, in)
	require.NoError(t, err)
	assert.Equal(t, "#EXTINF:4,\nhttps://{$host}/a.ts\n#EXTINF:4,\n%zz.ts?Q=1\n", got)
}

func TestRewriteFunctionErrors(t *testing.T) {
	errSign := errors.New("signing failed")
	tests := []struct {
		name    string
		rw      *Rewriter
		in      string
		wantIs  error
		wantMsg string
	}{
		{"hook error", &Rewriter{Hook: func(URI) (string, error) { return "", errSign }},
			"#EXTINF:4,\na.ts\n", errSign, `playlist: line 3: segment URI "a.ts": signing failed`},
		{"key error", &Rewriter{KeyURI: func(*url.URL) (string, error) { return "", errSign }},
			`#EXT-X-KEY:METHOD=AES-128,URI="k.key"` + "\n", errSign, `playlist: line 2: key URI "k.key": signing failed`},
		{"empty replacement", &Rewriter{Hook: func(URI) (string, error) { return "", nil }},
			"a.ts\n", nil, "replacement is empty"},
		{"newline in replacement", &Rewriter{Hook: func(URI) (string, error) { return "a.ts\n#EXT-X-ENDLIST", nil }},
			"a.ts\n", nil, "line feed"},
		{"quote in quoted replacement", &Rewriter{Hook: func(URI) (string, error) { return `a",X="`, nil }},
			`#EXT-X-MAP:URI="init.mp4"` + "\n", nil, "quoted attribute"},
		{"comment replacement", &Rewriter{Hook: func(URI) (string, error) { return "#EXT-X-ENDLIST", nil }},
			"a.ts\n", nil, "starts with '#'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := tt.rw.Rewrite(&out, strings.NewReader("#EXTM3U\n"+tt.in))
			require.Error(t, err)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
				assert.EqualError(t, err, tt.wantMsg)
			} else {
				assert.Contains(t, err.Error(), tt.wantMsg)
			}
			var pe *ParseError
			assert.False(t, errors.As(err, &pe), "a function's error is not a parse error")
			assert.Zero(t, out.Len(), "nothing written")
		})
	}
	// A quote is fine on a URI line.
	rw := &Rewriter{Hook: func(URI) (string, error) { return `a".ts`, nil }}
	got, err := rewriteString(t, rw, "a.ts\n")
	require.NoError(t, err)
	assert.Equal(t, "a\".ts\n", got)
}

func TestRewriteConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		rw   *Rewriter
		want string
	}{
		{"query with newline", &Rewriter{Query: "a=1\n#EXT-X-ENDLIST"}, "Query holds"},
		{"query with quote", &Rewriter{Query: `a="`}, "Query holds"},
		{"query with fragment", &Rewriter{Query: "a=1#x"}, "Query holds"},
		{"carry with space", &Rewriter{Carry: "a=1 b"}, "Carry holds"},
		{"relative rebase", &Rewriter{Rebase: &url.URL{Path: "/x/"}}, "Rebase"},
		{"non-http rebase", &Rewriter{Rebase: mustURL(t, "ftp://cdn.example.com/x/")}, "Rebase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := tt.rw.Rewrite(&out, strings.NewReader("#EXTM3U\na.ts\n"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			_, err = tt.rw.AppendRewrite(nil, []byte("#EXTM3U\na.ts\n"))
			assert.Error(t, err)
			assert.Zero(t, out.Len())
		})
	}
}

func TestRewriteNilRewriter(t *testing.T) {
	var rw *Rewriter
	var out bytes.Buffer
	require.NoError(t, rw.Rewrite(&out, strings.NewReader("#EXTM3U\na.ts\n")))
	assert.Equal(t, "#EXTM3U\na.ts\n", out.String())
}
