package hlstest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiscover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		playlist string
		want     []Ref
	}{
		{
			name:     "segments and byte ranges",
			playlist: "#EXTM3U\n#EXTINF:6,\nseg0.ts\n#EXTINF:6,title=\"URI\"\n#EXT-X-BYTERANGE:100@0\n  main.mp4  \n\n#EXTINF:6,\nnext.ts",
			want: []Ref{
				{URI: "seg0.ts", Kind: KindSegment, Line: 3},
				{URI: "main.mp4", Kind: KindSegment, Line: 6, ByteRange: "100@0"},
				{URI: "next.ts", Kind: KindSegment, Line: 9},
			},
		},
		{
			name: "master",
			playlist: "#EXTM3U\n" +
				"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x, y\",URI=\"a/en.m3u8\"\n" +
				"#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"URI=\\\"no\\\"\",INSTREAM-ID=\"CC1\"\n" +
				"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1,mp4a\"\n" +
				"# a comment with URI=\"not-a-uri\"\n" +
				"v/1.m3u8\n" +
				"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"v/i.m3u8\"\n" +
				"#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=1,URI=\"img/i.m3u8\"\n" +
				"#EXT-X-SESSION-DATA:DATA-ID=\"d\",URI=\"d.json\"\n" +
				"#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"k.key\"\n" +
				"#EXT-X-CONTENT-STEERING:SERVER-URI=\"steer.json\",PATHWAY-ID=\"a\"\n",
			want: []Ref{
				{URI: "a/en.m3u8", Kind: KindRendition, Line: 2, Tag: "EXT-X-MEDIA", Attr: "URI"},
				{URI: "v/1.m3u8", Kind: KindVariant, Line: 6, Tag: "EXT-X-STREAM-INF"},
				{URI: "v/i.m3u8", Kind: KindIFrame, Line: 7, Tag: "EXT-X-I-FRAME-STREAM-INF", Attr: "URI"},
				{URI: "img/i.m3u8", Kind: KindImage, Line: 8, Tag: "EXT-X-IMAGE-STREAM-INF", Attr: "URI"},
				{URI: "d.json", Kind: KindSessionData, Line: 9, Tag: "EXT-X-SESSION-DATA", Attr: "URI"},
				{URI: "k.key", Kind: KindSessionKey, Line: 10, Tag: "EXT-X-SESSION-KEY", Attr: "URI"},
				{URI: "steer.json", Kind: KindSteering, Line: 11, Tag: "EXT-X-CONTENT-STEERING", Attr: "SERVER-URI"},
			},
		},
		{
			name: "media tags, CRLF",
			playlist: "#EXTM3U\r\n" +
				"#EXT-X-KEY:METHOD=AES-128,URI=\"k?a=1,b=2\",IV=0x1\r\n" +
				"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\"\r\n" +
				"#EXT-X-KEY:METHOD=NONE\r\n" +
				"#EXT-X-MAP:BYTERANGE=\"10@0\",URI=\"init.mp4\"\r\n" +
				"#EXT-X-PART:DURATION=1,URI=\"p0.m4s\",BYTERANGE=\"5@10\"\r\n" +
				"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p1.m4s\"\r\n" +
				"#EXT-X-RENDITION-REPORT:URI=\"../b.m3u8\",LAST-MSN=1\r\n" +
				"#EXT-X-DATERANGE:ID=\"ad\",X-ASSET-URI=\"https://ads.example/a.m3u8\",X-ASSET-LIST=\"l.json\"\r\n" +
				"#EXT-X-FOO:MY-URI=\"foo\",URI=\"\",UNQUOTED-URI=bare\r\n" +
				"#EXTINF:4,\r\n" +
				"s.m4s\r\n",
			want: []Ref{
				{URI: "k?a=1,b=2", Kind: KindKey, Line: 2, Tag: "EXT-X-KEY", Attr: "URI"},
				{URI: "skd://x", Kind: KindKey, Line: 3, Tag: "EXT-X-KEY", Attr: "URI"},
				{URI: "init.mp4", Kind: KindMap, Line: 5, Tag: "EXT-X-MAP", Attr: "URI", ByteRange: "10@0"},
				{URI: "p0.m4s", Kind: KindPart, Line: 6, Tag: "EXT-X-PART", Attr: "URI", ByteRange: "5@10"},
				{URI: "p1.m4s", Kind: KindPreloadHint, Line: 7, Tag: "EXT-X-PRELOAD-HINT", Attr: "URI"},
				{URI: "../b.m3u8", Kind: KindRenditionReport, Line: 8, Tag: "EXT-X-RENDITION-REPORT", Attr: "URI"},
				{URI: "https://ads.example/a.m3u8", Kind: KindAsset, Line: 9, Tag: "EXT-X-DATERANGE", Attr: "X-ASSET-URI"},
				{URI: "foo", Kind: KindOther, Line: 10, Tag: "EXT-X-FOO", Attr: "MY-URI"},
				{URI: "s.m4s", Kind: KindSegment, Line: 12},
			},
		},
		{
			name:     "unterminated quote ends the line's attributes",
			playlist: "#EXT-X-KEY:URI=\"a,URI=\"b\n#EXT-X-MAP:URI=\"open\n",
			want:     []Ref{{URI: "a,URI=", Kind: KindKey, Line: 1, Tag: "EXT-X-KEY", Attr: "URI"}},
		},
		{name: "empty", playlist: "", want: nil},
		{name: "last line without newline", playlist: "#EXTM3U\nlast.ts", want: []Ref{{URI: "last.ts", Kind: KindSegment, Line: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Discover(tc.playlist))
		})
	}
}

func TestAttributes(t *testing.T) {
	var got []attribute
	for a := range attributes(`A=1,B="x,y",C=,="v",D="",E="q"junk,F`) {
		got = append(got, a)
	}
	assert.Equal(t, []attribute{
		{name: "A", value: "1"},
		{name: "B", value: "x,y", quoted: true},
		{name: "C", value: ""},
		{name: "", value: "v", quoted: true},
		{name: "D", value: "", quoted: true},
		{name: "E", value: "q", quoted: true},
	}, got)
	n := 0
	for range attributes("A=1,B=2,C=3") {
		n++
		break
	}
	assert.Equal(t, 1, n, "the iterator stops when asked")
}

func TestDiscoverGenerated(t *testing.T) {
	refs := Discover(Master())
	kinds := map[Kind]int{}
	for _, r := range refs {
		kinds[r.Kind]++
	}
	assert.Equal(t, map[Kind]int{KindRendition: 3, KindVariant: 3, KindIFrame: 1, KindImage: 1, KindSessionData: 1, KindSessionKey: 1}, kinds)
	assert.Equal(t, Discover(Master()), Discover(CRLF(Master())), "line endings do not matter")
}

// FuzzDiscover checks invariants of the URI discovery on any input: it does
// not panic; every URI is non-empty and found on its line; URI lines are
// exactly the trimmed line; attribute URIs appear quoted on their line
// after their attribute name; line endings (LF or CRLF) do not matter.
func FuzzDiscover(f *testing.F) {
	for _, s := range []string{Master(), MediaFMP4(2), MediaAES128(3, 2, "../k/"), MediaSampleAES(1),
		LowLatency(LiveOptions{Skip: 2, RenditionReports: []string{"../b.m3u8"}}), CRLF(IFrames(2))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, playlist string) {
		refs := Discover(playlist)
		lines := strings.Split(playlist, "\n")
		prev := 0
		for _, r := range refs {
			require.NotEmpty(t, r.URI)
			require.GreaterOrEqual(t, r.Line, prev, "refs are in order")
			prev = r.Line
			require.LessOrEqual(t, r.Line, len(lines))
			require.GreaterOrEqual(t, r.Line, 1)
			line := strings.TrimSuffix(lines[r.Line-1], "\r")
			if r.Attr == "" {
				require.Equal(t, strings.TrimSpace(line), r.URI)
				require.False(t, strings.HasPrefix(line, "#"))
			} else {
				require.True(t, strings.HasPrefix(line, "#EXT"), "attribute URIs come from #EXT lines")
				require.True(t, strings.HasSuffix(r.Attr, "URI"))
				require.Contains(t, line, r.Attr+`="`+r.URI+`"`)
			}
		}
		require.Equal(t, refs, Discover(CRLF(playlist)))
	})
}
