package main

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// ffmpeg plays hostile presentations through the stack. Its HLS demuxer
// ends a line at CR as well as LF and drops lines that are blank once their
// trailing white space is cut, so after "#EXTINF" or "#EXT-X-STREAM-INF" the
// line "\v\r//127.0.0.2:PORT/x.ts" is, for ffmpeg, a blank line and then the
// network-path reference "//127.0.0.2:PORT/x.ts": a URL on another host,
// where a reader splitting on LF alone sees one relative reference. The
// other patterns are there too, though ffmpeg follows none of them
// elsewhere: it takes a URI with a leading control or Unicode space for a
// file name (and refuses the file protocol), and resolves the others
// ("{$h}…": ffmpeg 5 has no EXT-X-DEFINE) against the CDN, which refuses
// them; it plays on.

// ffmpegServedPatterns are the patterns of the presentation the stack
// serves, with the hostile URIs untouched; ffmpegRefusedPatterns put a line
// break (CR, U+2028) inside a line, and the rewriting origin refuses any
// playlist that holds one (502) rather than guess how players split it.
var (
	ffmpegServedPatterns  = []hostilePattern{patVT, patFF, patSOH, patNBSP, patBOM, patTabSlash, patTabScheme, patDefine}
	ffmpegRefusedPatterns = []hostilePattern{patVTCR, patFFCR, patLSEP}
)

// ffmpegHostileSample is the sample with a master playlist whose first
// variant is sample/hostile/index.m3u8 on the CDN and whose other variants
// are hostile (the foreign host serves them the sample's high variant), and
// that media playlist: the sample's first segment, a hostile segment for
// each pattern, and the sample's last segment.
func ffmpegHostileSample(t *testing.T, f *foreignHost, patterns []hostilePattern) (fstest.MapFS, []hostileSlot) {
	t.Helper()
	var slots []hostileSlot
	slot := func(kind string, p hostilePattern, file string) string {
		s := hostileSlot{kind: kind, pattern: p, file: file}
		slots = append(slots, s)
		return s.uri(f)
	}
	const variant = `#EXT-X-STREAM-INF:BANDWIDTH=181232,RESOLUTION=320x180,CODECS="avc1.42c01e,mp4a.40.2"`
	var m strings.Builder
	m.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n" + f.expand(hostileDefine) + "\n" + variant + "\nhostile/index.m3u8\n")
	for _, p := range patterns {
		if !strings.ContainsAny(p.text, "\r\u2028") { // the master stays servable
			fmt.Fprintf(&m, "%s\n%s\n", variant, slot("variant", p, "sample/high/index.m3u8"))
		}
	}
	var p strings.Builder
	p.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	p.WriteString(f.expand(hostileDefine) + "\n#EXTINF:2.0,\n../low/seg-0.ts\n")
	for _, pat := range patterns {
		fmt.Fprintf(&p, "#EXTINF:2.0,\n%s\n", slot("seg", pat, "sample/low/seg-1.ts"))
	}
	p.WriteString("#EXTINF:2.0,\n../low/seg-2.ts\n#EXT-X-ENDLIST\n")
	media := mergeFS(t, sampleMedia())
	media["sample/master.m3u8"] = &fstest.MapFile{Data: []byte(m.String())}
	media["sample/hostile/index.m3u8"] = &fstest.MapFile{Data: []byte(p.String())}
	return media, slots
}

// TestRealClientHostileFFmpeg plays the hostile samples with ffmpeg through
// both stacks in propagate and server-side mode (cookies mode puts nothing
// in URLs) and checks that the foreign host on 127.0.0.2 never got
// credentials. With the served patterns ffmpeg plays past every hostile
// line; with the refused ones (before the fix, ffmpeg followed the CR lines
// to the foreign host with the credentials) the media playlist is a 502 and
// the foreign host sees nothing.
func TestRealClientHostileFFmpeg(t *testing.T) {
	tools := requireTools(t, toolFFmpeg)
	content := foreignContent(t)
	for _, stackName := range hostileStacks {
		for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
			for _, refused := range []bool{false, true} {
				name := stackName + "/" + mode.String() + "/served"
				patterns := ffmpegServedPatterns
				if refused {
					name, patterns = stackName+"/"+mode.String()+"/refused", ffmpegRefusedPatterns
				}
				t.Run(name, func(t *testing.T) {
					foreign := startForeignHost(t, "127.0.0.2", content)
					media, slots := ffmpegHostileSample(t, foreign, patterns)
					st := startHostileStack(t, stackName, mode, media)
					c := newFFmpegClient(t, st, mode, "sample")

					seconds, stderr, err := playWithFFmpeg(t, tools["ffmpeg"], c, false)
					t.Logf("ffmpeg played %.3f s, error %v, %d CDN requests, %d foreign requests; slots:%s\nffmpeg's stderr:\n%s",
						seconds, err, len(st.cdn.Log()), len(foreign.requests()), describeSlots(foreign, st.cdn, slots), stderr)

					assertNoLeak(t, foreign, false)
					require.True(t, st.log.contains("cdn  200 GET /sample/master.m3u8?…", "by url"),
						"ffmpeg got the hostile master playlist through the stack")
					if refused {
						assert.True(t, st.log.contains("cdn  502 GET /sample/hostile/index.m3u8?…"),
							"the origin refuses the media playlist with line breaks inside lines")
						assert.Empty(t, foreign.requests(), "nothing of the refused playlist reached a player")
						return
					}
					assert.NoError(t, err, "ffmpeg plays on past what it cannot fetch")
					assert.True(t, st.log.contains("cdn  200 GET /sample/hostile/index.m3u8?…", "by url"),
						"ffmpeg got the hostile media playlist through the stack, with credentials")
					assert.True(t, st.log.contains("GET /sample/low/seg-2.ts?…", "allowed by url"),
						"ffmpeg played the segment after the hostile ones, with credentials (in ranges: 206)")
				})
			}
		}
	}
}
