package hlstest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGeneratorsAreDeterministic(t *testing.T) {
	gens := map[string]func() string{
		"MediaTS":        func() string { return MediaTS(5) },
		"MediaFMP4":      func() string { return MediaFMP4(5) },
		"MediaAES128":    func() string { return MediaAES128(5, 2, "k/") },
		"MediaSampleAES": func() string { return MediaSampleAES(5) },
		"IFrames":        func() string { return IFrames(5) },
		"Master":         Master,
		"LowLatency":     func() string { return LowLatency(LiveOptions{Skip: 1, RenditionReports: []string{"a.m3u8"}}) },
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			a := gen()
			assert.Equal(t, a, gen())
			assert.True(t, strings.HasPrefix(a, "#EXTM3U\n"))
			assert.True(t, strings.HasSuffix(a, "\n"))
			assert.NotContains(t, a, "\r")
		})
	}
	assert.Equal(t, Presentation("movies/1"), Presentation("movies/1"))
	assert.Equal(t, LivePresentation("live"), LivePresentation("live"))
}

func TestMediaTSTenThousandSegments(t *testing.T) {
	p := MediaTS(10000)
	refs := Discover(p)
	require.Len(t, refs, 10000)
	assert.Equal(t, "seg00000.ts", refs[0].URI)
	assert.Equal(t, "seg09999.ts", refs[9999].URI)
	assert.Equal(t, 10000, strings.Count(p, "#EXTINF:"))
	assert.Equal(t, 9999, strings.Count(p, "#EXTINF:6.000,\n"))
	assert.Contains(t, p, "#EXTINF:3.500,\nseg09999.ts\n#EXT-X-ENDLIST\n")
	assert.Contains(t, p, "#EXT-X-PLAYLIST-TYPE:VOD\n")
}

func TestMediaFMP4(t *testing.T) {
	p := MediaFMP4(3)
	assert.Contains(t, p, "#EXT-X-MAP:URI=\"main.mp4\",BYTERANGE=\"64@0\"\n")
	assert.Contains(t, p, "#EXTINF:6.000,\n#EXT-X-BYTERANGE:96@64\nmain.mp4\n")
	assert.Contains(t, p, "#EXTINF:6.000,\n#EXT-X-BYTERANGE:96\nmain.mp4\n")
	assert.Contains(t, p, "#EXT-X-VERSION:7\n")
}

func TestMediaAES128Rotation(t *testing.T) {
	for _, tc := range []struct {
		n, every int
		keys     []string
	}{
		{6, 2, []string{"key0.key", "key1.key", "key2.key"}},
		{5, 2, []string{"key0.key", "key1.key", "key2.key"}},
		{4, 0, []string{"key0.key"}},
		{3, 1, []string{"key0.key", "key1.key", "key2.key"}},
	} {
		t.Run(fmt.Sprintf("%d segments, every %d", tc.n, tc.every), func(t *testing.T) {
			p := MediaAES128(tc.n, tc.every, "../keys/")
			var keys []string
			for _, r := range Discover(p) {
				if r.Kind == KindKey {
					keys = append(keys, strings.TrimPrefix(r.URI, "../keys/"))
				}
			}
			assert.Equal(t, tc.keys, keys)
			ivs := regexp.MustCompile(`IV=(0x[0-9A-F]{32})`).FindAllStringSubmatch(p, -1)
			require.Len(t, ivs, len(tc.keys))
			assert.Equal(t, "0x00000000000000000000000000000000", ivs[0][1])
			if len(ivs) > 1 {
				assert.Equal(t, "0x00000000000000000000000000000001", ivs[1][1])
			}
		})
	}
}

func TestMediaSampleAES(t *testing.T) {
	p := MediaSampleAES(2)
	var keys []string
	for _, r := range Discover(p) {
		if r.Kind == KindKey {
			keys = append(keys, r.URI)
		}
	}
	require.Len(t, keys, 2)
	assert.True(t, strings.HasPrefix(keys[0], "skd://"))
	assert.True(t, strings.HasPrefix(keys[1], "data:"))
	assert.Contains(t, p, `KEYFORMAT="com.apple.streamingkeydelivery"`)
	assert.Contains(t, p, "#EXT-X-MAP:URI=\"init.mp4\"\n")
}

func TestMaster(t *testing.T) {
	p := Master()
	for _, tag := range []string{"#EXT-X-SESSION-DATA:", "#EXT-X-SESSION-KEY:", "#EXT-X-MEDIA:TYPE=AUDIO", "#EXT-X-MEDIA:TYPE=SUBTITLES",
		"#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS", "#EXT-X-STREAM-INF:", "#EXT-X-I-FRAME-STREAM-INF:", "#EXT-X-IMAGE-STREAM-INF:"} {
		assert.Contains(t, p, tag)
	}
}

func TestLowLatency(t *testing.T) {
	full := LowLatency(LiveOptions{FirstSequence: 100, RenditionReports: []string{"../b/index.m3u8"}})
	assert.Contains(t, full, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24.0,PART-HOLD-BACK=3.000\n")
	assert.Contains(t, full, "#EXT-X-PART-INF:PART-TARGET=1.00000\n")
	assert.Contains(t, full, "#EXT-X-MEDIA-SEQUENCE:100\n")
	assert.Contains(t, full, "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:06:40.000Z\n")
	assert.Contains(t, full, "#EXT-X-PART:DURATION=1.00000,URI=\"seg106.part0.m4s\",INDEPENDENT=YES\n")
	assert.Contains(t, full, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg106.part2.m4s\"\n")
	assert.Contains(t, full, "#EXT-X-RENDITION-REPORT:URI=\"../b/index.m3u8\",LAST-MSN=106,LAST-PART=1\n")
	assert.NotContains(t, full, "EXT-X-SKIP")
	assert.Equal(t, 6, strings.Count(full, "#EXTINF:"))
	assert.Equal(t, 4+4+2, strings.Count(full, "#EXT-X-PART:"))

	delta := LowLatency(LiveOptions{FirstSequence: 100, Skip: 4})
	assert.Contains(t, delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n")
	assert.Contains(t, delta, "#EXT-X-MEDIA-SEQUENCE:100\n", "the sequence still counts skipped segments")
	assert.Equal(t, 2, strings.Count(delta, "#EXTINF:"))
	assert.Contains(t, delta, "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:06:56.000Z\n#EXT-X-PART:DURATION=1.00000,URI=\"seg104.part0.m4s\"", "dated from the first segment listed")

	small := LowLatency(LiveOptions{Segments: 2, Parts: 2, Skip: 9})
	assert.Contains(t, small, "#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n", "Skip is capped at Segments")
	assert.Contains(t, small, "#EXT-X-PART-INF:PART-TARGET=2.00000\n")
}

func TestCRLF(t *testing.T) {
	p := CRLF(Master())
	assert.Equal(t, strings.Count(p, "\n"), strings.Count(p, "\r\n"))
	assert.Equal(t, p, CRLF(p), "idempotent")
	assert.Equal(t, "a\r\nb", CRLF("a\nb"))
	assert.Equal(t, "\r\n", CRLF("\n"))
}

func TestPresentationFS(t *testing.T) {
	for name, tc := range map[string]struct {
		fsys   fstest.MapFS
		master string
	}{
		"vod":  {Presentation("/movies/1/"), "movies/1/master.m3u8"},
		"live": {LivePresentation("live"), "live/master.m3u8"},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := tc.fsys
			require.NoError(t, fstest.TestFS(fsys, tc.master))
			for file, f := range fsys {
				if !isPlaylistName(file) {
					continue
				}
				lastEnd := map[string]int64{}
				for _, ref := range Discover(string(f.Data)) {
					target, ok := referencedFile(file, ref.URI)
					if !ok {
						continue
					}
					obj, ok := fsys[target]
					if !assert.True(t, ok, "%s line %d: %s is missing", file, ref.Line, target) {
						continue
					}
					if h := rangeHeader(ref.ByteRange, lastEnd, target); h != "" {
						var from, to int
						_, err := fmt.Sscanf(h, "bytes=%d-%d", &from, &to)
						require.NoError(t, err)
						assert.Less(t, to, len(obj.Data), "%s: %s beyond the end", target, h)
					}
				}
			}
		})
	}
	fsys := Presentation("movies/1")
	assert.Contains(t, fsys, "movies/1/master.m3u8")
	assert.Contains(t, fsys, "movies/1/keys/key1.key")
}

func TestFSRefersOutside(t *testing.T) {
	fsys := FS(map[string]string{"a/index.m3u8": "#EXTM3U\n../../up.ts\nhttps://x/abs.ts\n//x/net.ts\nmissing.m3u8\nok.ts?x=1#f\n"})
	assert.Len(t, fsys, 2)
	assert.Contains(t, fsys, "a/ok.ts")
}

func TestBodies(t *testing.T) {
	ts := body("v/seg.ts", 500)
	require.Equal(t, 3*188, len(ts))
	for i := 0; i < len(ts); i += 188 {
		assert.Equal(t, byte(0x47), ts[i], "sync byte of packet %d", i/188)
	}
	key := body("k/key0.key", 100)
	assert.Len(t, key, 16)
	assert.NotEqual(t, key, body("k/key1.key", 0))

	for _, name := range []string{"v/init.mp4", "v/seg00001.m4s", "v/main.mp4"} {
		mp4 := body(name, 300)
		assert.Len(t, mp4, 300)
		// Walk the boxes: sizes must add up.
		var types []string
		for off := 0; off < len(mp4); {
			size := int(binary.BigEndian.Uint32(mp4[off:]))
			require.GreaterOrEqual(t, size, 8)
			types = append(types, string(mp4[off+4:off+8]))
			off += size
			require.LessOrEqual(t, off, len(mp4))
		}
		if path.Base(name)[:3] == "seg" {
			assert.Equal(t, []string{"styp", "free"}, types)
		} else {
			assert.Equal(t, []string{"ftyp", "free"}, types)
		}
	}
	aac := body("a/aud00000.aac", 0)
	assert.Equal(t, []byte{0xFF, 0xF1}, aac[:2])
	frameLen := int(aac[3]&0x03)<<11 | int(aac[4])<<3 | int(aac[5])>>5
	assert.Equal(t, len(aac), frameLen)
	assert.True(t, bytes.HasPrefix(body("s/sub.vtt", 0), []byte("WEBVTT\n")))
	assert.True(t, bytes.HasPrefix(body("i/t.jpg", 0), []byte{0xFF, 0xD8}))
	assert.True(t, bytes.HasSuffix(body("i/t.jpg", 0), []byte{0xFF, 0xD9}))
	assert.Len(t, body("x/other.bin", 20), 20)
}

// TestGrafovAgrees checks Discover against an independent parser,
// github.com/grafov/m3u8, on the playlists it understands.
func TestGrafovAgrees(t *testing.T) {
	decode := func(t *testing.T, s string) (m3u8.Playlist, m3u8.ListType) {
		t.Helper()
		p, lt, err := m3u8.DecodeFrom(strings.NewReader(s), true)
		require.NoError(t, err)
		return p, lt
	}
	byKind := func(s string) map[Kind][]string {
		out := map[Kind][]string{}
		for _, r := range Discover(s) {
			out[r.Kind] = append(out[r.Kind], r.URI)
		}
		return out
	}
	for name, s := range map[string]string{
		"MediaTS": MediaTS(50), "MediaAES128": MediaAES128(6, 2, "../k/"), "MediaFMP4": MediaFMP4(4), "IFrames": IFrames(3),
	} {
		t.Run(name, func(t *testing.T) {
			p, lt := decode(t, s)
			require.Equal(t, m3u8.MEDIA, lt)
			mp := p.(*m3u8.MediaPlaylist)
			want := map[Kind][]string{}
			for _, seg := range mp.Segments {
				if seg == nil {
					continue
				}
				if seg.Key != nil && seg.Key.URI != "" {
					want[KindKey] = append(want[KindKey], seg.Key.URI)
				}
				want[KindSegment] = append(want[KindSegment], seg.URI)
			}
			if mp.Map != nil {
				want[KindMap] = append(want[KindMap], mp.Map.URI)
			}
			if mp.Key != nil && len(want[KindKey]) == 0 {
				want[KindKey] = append(want[KindKey], mp.Key.URI)
			}
			assert.Equal(t, want, byKind(s))
		})
	}
	t.Run("Master", func(t *testing.T) {
		p, lt := decode(t, Master())
		require.Equal(t, m3u8.MASTER, lt)
		var variants, iframes, renditions []string
		seen := map[string]bool{}
		for _, v := range p.(*m3u8.MasterPlaylist).Variants {
			if v.Iframe {
				iframes = append(iframes, v.URI)
			} else {
				variants = append(variants, v.URI)
			}
			for _, a := range v.Alternatives {
				if a.URI != "" && !seen[a.URI] {
					seen[a.URI] = true
					renditions = append(renditions, a.URI)
				}
			}
		}
		got := byKind(Master())
		assert.Equal(t, variants, got[KindVariant])
		assert.Equal(t, iframes, got[KindIFrame])
		assert.ElementsMatch(t, renditions, got[KindRendition])
	})
}
