package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What testdata/master.m3u8 and testdata/media.m3u8 become, with {Q} the
// query and {C} the carried copies.
const (
	masterBase = cdn + "/movies/1/index.m3u8"
	masterWant = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",URI="audio/en/index.m3u8?{Q}{C}"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="aud"
low/index.m3u8?{Q}{C}
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,AUDIO="aud"
https://d111111abcdef8.cloudfront.net/movies/1/high/index.m3u8?v=2&{Q}{C}
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="low/iframes.m3u8?{Q}{C}"
`
	mediaBase = cdn + "/movies/1/low/index.m3u8"
	mediaWant = "#EXTM3U\r\n#EXT-X-TARGETDURATION:6\r\n#EXT-X-MEDIA-SEQUENCE:0\r\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k1.key?{Q}\"\r\n" +
		"#EXT-X-MAP:URI=\"init.mp4?{Q}\"\r\n" +
		"# a comment with URI=\"not-this.mp4\"\r\n" +
		"#EXTINF:6.0,\r\nseg-0.m4s?{Q}\r\n" +
		"#EXTINF:6.0,\r\nseg-1.m4s?part=a&{Q}\r\n" +
		"#EXTINF:6.0,\r\nhttps://ads.example.com/ad-1.m4s\r\n" +
		"#EXT-X-ENDLIST"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(data)
}

func expand(template, q, c string) string {
	if c != "" {
		c = "&" + c
	}
	return strings.NewReplacer("{Q}", q, "{C}", c).Replace(template)
}

// signWildcard signs the master playlist URL with a policy for the whole
// presentation and the -PREFIX copies, as the rewrite examples do.
func signWildcard(t *testing.T) (signed, query, carry string) {
	t.Helper()
	r := cfhls(t, "", "sign", "-key", rsaKey, "-key-pair-id", rsaID, "-expires", "1900000000",
		"-resource", cdn+"/movies/1/*", "-carry=-PREFIX", masterBase)
	require.Equal(t, exitOK, r.code, r.stderr)
	signed = strings.TrimSpace(r.stdout)
	_, params, _ := strings.Cut(signed, "?")
	i := strings.Index(params, "&Policy-PREFIX=")
	require.Positive(t, i, signed)
	return signed, params[:i], params[i+1:]
}

func TestRewrite(t *testing.T) {
	signed, q, c := signWildcard(t)
	// What the origin sees once CloudFront has stripped its own parameters.
	_, stripped, _ := strings.Cut(signed, "?Policy=")
	stripped = masterBase + "?" + stripped[strings.Index(stripped, "&Policy-PREFIX=")+1:]

	tests := []struct {
		name     string
		args     []string
		input    string
		want     string
		warnings string
	}{
		{"media, -query", []string{"-base", mediaBase, "-query", "a=1&b=2"}, "media.m3u8", expand(mediaWant, "a=1&b=2", ""), ""},
		{"media, -query with leading ?", []string{"-base", mediaBase, "-query", "?a=1"}, "media.m3u8", expand(mediaWant, "a=1", ""), ""},
		{"master, -query", []string{"-base", masterBase, "-query", q}, "master.m3u8", expand(masterWant, q, ""), ""},
		{"master, -query and -carry", []string{"-base", masterBase, "-query", q, "-carry=-PREFIX"}, "master.m3u8", expand(masterWant, q, c), ""},
		{"master, -from", []string{"-base", masterBase, "-from", signed}, "master.m3u8", expand(masterWant, q, ""), ""},
		{"master, -from and -carry", []string{"-base", masterBase, "-from", signed, "-carry=-PREFIX"}, "master.m3u8", expand(masterWant, q, c), ""},
		{"master, -from the carried copies only", []string{"-base", masterBase, "-from", stripped, "-carry=-PREFIX"}, "master.m3u8", expand(masterWant, q, c), ""},
		{"media, -from and -carry: segments get no copies", []string{"-base", mediaBase, "-from", signed, "-carry=-PREFIX"}, "media.m3u8", expand(mediaWant, q, ""), ""},
		{"other host: nothing in scope but relative URIs", []string{"-base", "https://origin.example.com/movies/1/index.m3u8", "-query", "a=1"}, "master.m3u8",
			strings.Replace(expand(masterWant, "a=1", ""), "high/index.m3u8?v=2&a=1", "high/index.m3u8?v=2", 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfhls(t, readTestdata(t, tt.input), append([]string{"rewrite"}, tt.args...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Equal(t, tt.want, r.stdout)
			assert.Equal(t, tt.warnings, r.stderr)
		})
	}
}

func TestRewriteWarnsAboutExpiredCredentials(t *testing.T) {
	from := cdn + "/movies/1/index.m3u8?Policy=" + encodedPolicy(t, cdn+"/movies/1/*", 1000000000) + "&Signature=c2ln&Key-Pair-Id=" + rsaID
	r := cfhls(t, readTestdata(t, "media.m3u8"), "rewrite", "-base", mediaBase, "-from", from)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: the -from credentials expired 2001-09-09T01:46:40Z")
	assert.Contains(t, r.stdout, "seg-0.m4s?Policy=")
}

func TestRewriteWarnsAboutAResourceThatMissesBase(t *testing.T) {
	signed, q, _ := signWildcard(t)
	other := cdn + "/movies/2/index.m3u8"
	r := cfhls(t, readTestdata(t, "media.m3u8"), "rewrite", "-base", other, "-from", signed)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "cfhls rewrite: warning: the -from policy's resource "+cdn+"/movies/1/* does not cover -base "+other+": CloudFront would refuse the playlist's URIs\n", r.stderr)
	assert.Contains(t, r.stdout, "seg-0.m4s?"+q+"\r\n")
}

func TestRewriteFailures(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		input string
		want  []string
	}{
		{"not a playlist", nil, "<html>403</html>\n", []string{"line 1", "not an HLS playlist"}},
		{"empty input", nil, "", []string{"line 1", "not an HLS playlist"}},
		{"unterminated quote", nil, "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\n#EXTINF:6,\na.ts\n", []string{"line 3", "unterminated quoted string"}},
		{"variant without URI line", nil, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n", []string{"line 2", "EXT-X-STREAM-INF has no URI line"}},
		{"NUL byte", nil, "#EXTM3U\n#EXTINF:6,\na\x00.ts\n", []string{"line 3", "NUL"}},
		{"-from a canned URL", []string{"-from", cdn + "/movies/1/index.m3u8?Expires=1900000000&Signature=c2ln&Key-Pair-Id=" + rsaID}, "#EXTM3U\n", []string{"-from: ", "canned", "good for that one URL only"}},
		{"-from an unsigned URL", []string{"-from", cdn + "/movies/1/index.m3u8?v=1"}, "#EXTM3U\n", []string{"-from: ", "has no signing parameters"}},
		{"-from without Signature", []string{"-from", cdn + "/movies/1/index.m3u8?Policy=eyJ9&Key-Pair-Id=" + rsaID}, "#EXTM3U\n", []string{"-from: ", "Signature is missing"}},
		{"-from without Key-Pair-Id", []string{"-from", cdn + "/movies/1/index.m3u8?Policy=eyJ9&Signature=c2ln"}, "#EXTM3U\n", []string{"-from: ", "Key-Pair-Id is missing"}},
		{"-from not a URL", []string{"-from", "https://d/%zz"}, "#EXTM3U\n", []string{"-from: ", "invalid URL escape"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"-query", "a=1"}
			}
			r := cfhls(t, tt.input, append([]string{"rewrite", "-base", mediaBase}, args...)...)
			assert.Equal(t, exitFailed, r.code)
			assert.True(t, strings.HasPrefix(r.stderr, "cfhls rewrite: "), r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stderr, "usage:")
		})
	}
}

func TestRewriteBadQuery(t *testing.T) {
	for _, q := range []string{"a=1 2", "a=\"x\"", "a=1#frag", "a=\n"} {
		t.Run(q, func(t *testing.T) {
			r := cfhls(t, "#EXTM3U\n#EXTINF:6,\na.ts\n", "rewrite", "-base", mediaBase, "-query", q)
			assert.Equal(t, exitUsage, r.code)
			assert.Empty(t, r.stdout, "stdin is not read")
			assert.Contains(t, r.stderr, "cfhls rewrite: -query: ")
			assert.Contains(t, r.stderr, "cannot go into a playlist URI")
		})
	}
}
