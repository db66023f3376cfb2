package main

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// hls.js in headless Chromium plays hostile presentations through the
// stack: the player page, unchanged, plays "sample", whose playlists here
// point URIs at a foreign host on 127.0.0.2 in the ways a security review
// found hls.js (and the URL parsers of browsers) read differently from Go's
// net/url. hls.js trims URIs with String.prototype.trim, so a leading
// vertical tab, form feed, no-break space, byte order mark or line separator
// does not keep "http://127.0.0.2:PORT/…" from being absolute; it
// substitutes EXT-X-DEFINE variables; and its line regular expressions stop
// at U+2028 (so that pattern only goes on URI lines: in a quoted attribute
// it would cut the tag; the rewriting origin now refuses any playlist with
// one inside a line, so those layouts check the refusal). A leading \x01
// and the tabs do not take hls.js
// elsewhere: it resolves those URIs against the CDN (its URL toolkit keeps
// them relative; the browser then drops the tab or escapes the \x01), and
// the CDN refuses them, which ends playback, so they come last. The foreign
// host serves harmless copies of the sample, so that hls.js plays on and
// reaches every hostile line.

// hlsjsLayout is one hostile presentation: a master playlist with one
// variant and optionally an audio rendition, and, when the variant is the
// CDN's, a media playlist mixing the sample's segments with hostile
// segment, key and init-section URIs.
type hlsjsLayout struct {
	name string
	// variant, when set, writes the only variant's URI (the foreign host
	// serves the sample's low variant); otherwise the variant is
	// sample/hostile/index.m3u8 on the CDN.
	variant *hostilePattern
	audio   *hostilePattern  // an audio rendition on the foreign host
	segs    []hostilePattern // hostile segments, each after a legitimate one
	key     *hostilePattern  // an AES-128 key for two of the sample's encrypted segments
	init    *hostilePattern  // an EXT-X-MAP for two of the sample's segments
	tail    []hostilePattern // last segments, for patterns hls.js resolves against the CDN
	// refused: a pattern puts a line break inside a line, and the rewriting
	// origin refuses the playlist (502): hls.js gets nothing to follow.
	refused bool
}

// hlsjsLayouts spread the patterns over the kinds of URI, so that each
// pattern is met in several places while a handful of page loads suffice.
// hls.js plays one variant: a layout with a hostile variant needs a page
// load of its own.
var hlsjsLayouts = []hlsjsLayout{
	{name: "media-vt-nbsp-define", audio: &patBOM,
		segs: []hostilePattern{patVT, patNBSP, patDefine}, key: &patFF, init: &patBOM, tail: []hostilePattern{patSOH}},
	{name: "media-ff-bom", audio: &patDefine,
		segs: []hostilePattern{patFF, patBOM}, key: &patNBSP, init: &patVT, tail: []hostilePattern{patTabSlash}},
	{name: "media-define-key", audio: &patVT,
		segs: []hostilePattern{patDefine}, key: &patDefine, init: &patFF, tail: []hostilePattern{patTabScheme}},
	{name: "variant-nbsp", variant: &patNBSP, audio: &patFF},
	{name: "variant-lsep", variant: &patLSEP, audio: &patNBSP, refused: true},
	{name: "media-lsep", segs: []hostilePattern{patLSEP}, refused: true},
	{name: "variant-define", variant: &patDefine, audio: &patBOM},
}

// sampleIV is the IV of the sample's encrypted variant (media/gen.sh).
const sampleIV = "0x6366686c732d73616d706c652d697631"

// build writes the layout's playlists for a foreign host: the files to put
// over the sample, and the hostile slots in them.
func (l hlsjsLayout) build(f *foreignHost) (fstest.MapFS, []hostileSlot) {
	var slots []hostileSlot
	slot := func(kind string, p hostilePattern, file string) string {
		s := hostileSlot{kind: kind, pattern: p, file: file}
		slots = append(slots, s)
		return s.uri(f)
	}
	var m strings.Builder
	m.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n" + f.expand(hostileDefine) + "\n")
	audio := ""
	if l.audio != nil {
		fmt.Fprintf(&m, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"hostile\",DEFAULT=YES,AUTOSELECT=YES,URI=\"%s\"\n",
			slot("audio", *l.audio, "sample/low/index.m3u8"))
		audio = `,AUDIO="aud"`
	}
	m.WriteString(`#EXT-X-STREAM-INF:BANDWIDTH=181232,RESOLUTION=320x180,CODECS="avc1.42c01e,mp4a.40.2"` + audio + "\n")
	if l.variant != nil {
		m.WriteString(slot("variant", *l.variant, "sample/low/index.m3u8") + "\n")
		return fstest.MapFS{"sample/master.m3u8": {Data: []byte(m.String())}}, slots
	}
	m.WriteString("hostile/index.m3u8\n")

	var p strings.Builder
	p.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	p.WriteString(f.expand(hostileDefine) + "\n")
	// Each group restarts the sample's timeline, after a discontinuity.
	group := func(lines ...string) {
		if strings.Count(p.String(), "#EXTINF") > 0 {
			p.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		for _, line := range lines {
			p.WriteString(line + "\n")
		}
	}
	for _, s := range l.segs {
		group("#EXTINF:2.0,", "../low/seg-0.ts", "#EXTINF:2.0,", slot("seg", s, "sample/low/seg-1.ts"))
	}
	if l.key != nil {
		group(fmt.Sprintf(`#EXT-X-KEY:METHOD=AES-128,URI="%s",IV=%s`, slot("key", *l.key, "sample/enc/enc.key"), sampleIV),
			"#EXTINF:2.0,", "../enc/seg-0.ts", "#EXTINF:2.0,", "../enc/seg-1.ts", "#EXT-X-KEY:METHOD=NONE")
	}
	if l.init != nil {
		group(fmt.Sprintf(`#EXT-X-MAP:URI="%s"`, slot("map", *l.init, "sample/low/init.ts")),
			"#EXTINF:2.0,", "../low/seg-0.ts", "#EXTINF:2.0,", "../low/seg-1.ts")
	}
	for _, s := range l.tail {
		group("#EXTINF:2.0,", slot("seg", s, "sample/low/seg-0.ts"))
	}
	p.WriteString("#EXT-X-ENDLIST\n")
	return fstest.MapFS{
		"sample/master.m3u8":        {Data: []byte(m.String())},
		"sample/hostile/index.m3u8": {Data: []byte(p.String())},
	}, slots
}

// TestRealClientHostileHLSJS plays every layout through both stacks in
// propagate and server-side mode (cookies mode puts nothing in URLs) and
// checks that the
// foreign host never got credentials, while hls.js did fetch every hostile
// URI, from the foreign host or from the CDN.
func TestRealClientHostileHLSJS(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	content := foreignContent(t)
	for _, stackName := range hostileStacks {
		for _, mode := range []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide} {
			for _, l := range hlsjsLayouts {
				t.Run(stackName+"/"+mode.String()+"/"+l.name, func(t *testing.T) {
					foreign := startForeignHost(t, "127.0.0.2", content)
					files, slots := l.build(foreign)
					st := startHostileStack(t, stackName, mode, mergeFS(t, sampleMedia(), files))
					reached := func(s hostileSlot) bool {
						_, ok := reachedCDN(st.cdn, s.tag())
						return ok || foreign.received(s.tag())
					}
					state, _ := openPlayerPage(t, tools["chromium"], st, "")
					start := time.Now()
					if l.refused {
						s := waitPage(state, 20*time.Second, func(s pageState) bool { return s.Status == "error" })
						t.Logf("status %q, page log %q", s.Status, s.Log)
						assert.Equal(t, "error", s.Status, "hls.js gets no playlist to play")
						assert.True(t, st.log.contains("cdn  502 GET /sample/"), "the origin refuses the playlist with a line break inside a line")
						assert.Empty(t, foreign.requests(), "nothing of the refused playlist reached hls.js")
						return
					}
					s := waitPage(state, 40*time.Second, func(s pageState) bool {
						all := true
						for _, sl := range slots {
							all = all && reached(sl)
						}
						return all || s.Status == "error"
					})
					t.Logf("after %v: %d fragments, status %q, %d CDN requests, %d foreign requests; page log %q; slots:%s",
						time.Since(start).Round(time.Millisecond), s.Fragments, s.Status, len(st.cdn.Log()),
						len(foreign.requests()), s.Log, describeSlots(foreign, st.cdn, slots))

					assertNoLeak(t, foreign, true)
					require.True(t, st.log.contains("cdn  200 GET /sample/master.m3u8?…", "by url"),
						"hls.js got the hostile master playlist through the stack")
					if l.variant == nil {
						assert.True(t, st.log.contains("cdn  200 GET /sample/hostile/index.m3u8?…", "by url"),
							"hls.js got the hostile media playlist through the stack, with credentials")
					}
					for _, sl := range slots {
						assert.True(t, reached(sl), "hls.js never fetched %s (%q)", sl.tag(), sl.uri(foreign))
					}
				})
			}
		}
	}
}
