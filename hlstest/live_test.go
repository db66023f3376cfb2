package hlstest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLiveMediaTiming(t *testing.T) {
	m, err := loadLiveMedia()
	require.NoError(t, err)
	assert.Equal(t, liveParts, m.parts)
	assert.Equal(t, liveLoopSegments, m.segments)
	assert.Equal(t, livePart, m.partTarget)
	assert.Equal(t, 2, m.target)
	assert.Equal(t, time.Duration(liveLoopSegments)*liveSeg, m.loop())
	assert.InDelta(t, 25.0, m.frameRate, 1e-9)
	for i, want := range []struct {
		name, codec string
		video       bool
	}{{"low", "avc1.42c00c", true}, {"high", "avc1.42c015", true}, {"audio", "mp4a.40.2", false}} {
		r := m.ll[i]
		assert.Equal(t, want.name, r.name)
		assert.Equal(t, want.codec, r.track.codec, r.name)
		assert.Equal(t, want.video, r.track.video, r.name)
		for j, f := range r.frags {
			assert.Equal(t, !want.video || j%liveParts == 0, f.independent, "%s fragment %d", r.name, j)
		}
	}
	assert.Equal(t, 1, m.ll[2].track.channels)
}

// TestLiveLowLatencyPlaylistAt reads the LL-HLS media playlists at several
// moments of the stream and checks what they list.
func TestLiveLowLatencyPlaylistAt(t *testing.T) {
	tests := []struct {
		name               string
		at                 time.Time
		window             int
		seq, first, done   int // media sequence, first and one past the last complete segment
		partial            int // parts of segment done
		partsFrom          int // first segment listed with its parts
		hint               string
		lastMSN, lastPart  int // -1: no rendition reports
		independentInAudio bool
	}{
		{name: "before the start", at: liveT0.Add(-time.Second), hint: "seg0.part0.m4s", lastMSN: -1},
		{name: "at the start", at: liveT0, hint: "seg0.part0.m4s", lastMSN: -1},
		{name: "first part", at: liveAt(0, 1), partial: 1, hint: "seg0.part1.m4s", lastMSN: 0, lastPart: 0},
		{name: "first segment", at: liveAt(1, 0), done: 1, hint: "seg1.part0.m4s", lastMSN: 0, lastPart: 2},
		{name: "filling the window", at: liveAt(5, 2).Add(time.Millisecond), done: 5, partial: 2, partsFrom: 3,
			hint: "seg5.part2.m4s", lastMSN: 5, lastPart: 1},
		{name: "full window", at: liveAt(12, 0), done: 12, partsFrom: 9, hint: "seg12.part0.m4s", lastMSN: 11, lastPart: 2},
		{name: "sliding", at: liveAt(20, 1), seq: 8, first: 8, done: 20, partial: 1, partsFrom: 18,
			hint: "seg20.part1.m4s", lastMSN: 20, lastPart: 0},
		{name: "a part before a boundary", at: liveAt(21, 0).Add(-time.Nanosecond), seq: 8, first: 8, done: 20, partial: 2,
			partsFrom: 18, hint: "seg20.part2.m4s", lastMSN: 20, lastPart: 1},
		{name: "many loops later", at: liveAt(10003, 2), seq: 9991, first: 9991, done: 10003, partial: 2, partsFrom: 10001,
			hint: "seg10003.part2.m4s", lastMSN: 10003, lastPart: 1},
		{name: "short window", at: liveAt(30, 0), window: 4, seq: 26, first: 26, done: 30, partsFrom: 27,
			hint: "seg30.part0.m4s", lastMSN: 29, lastPart: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := newLive(t, tc.at, func(o *LiveOrigin) { o.Window = tc.window })
			for _, rend := range []string{"low", "high", "audio"} {
				p := parseLiveMedia(t, liveBody(t, o, "ll/"+rend+"/index.m3u8"))
				assert.Equal(t, "9", p.header["#EXT-X-VERSION"], rend)
				assert.Equal(t, "2", p.header["#EXT-X-TARGETDURATION"], rend)
				assert.Equal(t, "CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.0,PART-HOLD-BACK=1.92000", p.header["#EXT-X-SERVER-CONTROL"], rend)
				assert.Equal(t, "PART-TARGET=0.64000", p.header["#EXT-X-PART-INF"], rend)
				assert.Equal(t, `URI="init.mp4"`, p.header["#EXT-X-MAP"], rend)
				assert.Equal(t, tc.seq, p.seq, rend)
				require.Len(t, p.segs, tc.done-tc.first, rend)
				for i, s := range p.segs {
					n := tc.first + i
					assert.Equal(t, n, s.msn, rend)
					assert.Equal(t, fmt.Sprintf("seg%d.m4s", n), s.uri, rend)
					assert.Equal(t, "1.92000", s.dur, rend)
					assert.Equal(t, liveAt(n, 0), s.pdt, "%s: PDT of segment %d", rend, n)
					if n >= tc.partsFrom {
						assert.Equal(t, liveParts, len(s.parts), "%s: parts of segment %d", rend, n)
					} else {
						assert.Empty(t, s.parts, "%s: parts of segment %d", rend, n)
					}
					checkLiveParts(t, rend, n, s.parts)
				}
				assert.Len(t, p.partial.parts, tc.partial, rend)
				if tc.partial > 0 {
					assert.Equal(t, liveAt(tc.done, 0), p.partial.pdt, "%s: PDT of the segment in progress", rend)
				}
				checkLiveParts(t, rend, tc.done, p.partial.parts)
				assert.Equal(t, `TYPE=PART,URI="`+tc.hint+`"`, p.hint, rend)
				if tc.lastMSN < 0 {
					assert.Empty(t, p.reports, rend)
					continue
				}
				var want []string
				for _, other := range []string{"low", "high", "audio"} {
					if other != rend {
						want = append(want, fmt.Sprintf(`URI="../%s/index.m3u8",LAST-MSN=%d,LAST-PART=%d`, other, tc.lastMSN, tc.lastPart))
					}
				}
				assert.Equal(t, want, p.reports, rend)
			}
		})
	}
}

// checkLiveParts checks the EXT-X-PART lines of segment n: names,
// durations, and INDEPENDENT=YES where a part starts with a key frame (the
// first part of a video segment, every audio part).
func checkLiveParts(t *testing.T, rend string, n int, parts []string) {
	t.Helper()
	for i, line := range parts {
		want := fmt.Sprintf(`#EXT-X-PART:DURATION=0.64000,URI="seg%d.part%d.m4s"`, n, i)
		if rend == "audio" || i == 0 {
			want += ",INDEPENDENT=YES"
		}
		assert.Equal(t, want, line, "%s: part %d of segment %d", rend, i, n)
	}
}

// TestLiveSegmentLinesStable reloads every media playlist many times as the
// clock advances and checks RFC 8216's rule for live playlists: segments are
// only appended and removed from the start, and a segment's lines (date,
// duration, URI) do not change while it is listed.
func TestLiveSegmentLinesStable(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		configure func(*LiveOrigin)
	}{
		{name: "LowLatency video", path: "ll/low/index.m3u8"},
		{name: "LowLatency audio", path: "ll/audio/index.m3u8"},
		{name: "TS", path: "ts/high/index.m3u8"},
		{name: "TS AES-128 with loop discontinuities", path: "ts/low/index.m3u8",
			configure: func(o *LiveOrigin) { o.KeyRotation, o.LoopDiscontinuity = 3, true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, clock := newLive(t, liveT0, tc.configure)
			seen := map[int]string{}
			gone := map[int]bool{}
			lastSeq, lastEnd := 0, 0
			for at := liveT0; !at.After(liveAt(40, 1)); at = at.Add(170 * time.Millisecond) {
				clock.Set(at)
				p := parseLiveMedia(t, liveBody(t, o, tc.path))
				require.GreaterOrEqual(t, p.seq, lastSeq, "EXT-X-MEDIA-SEQUENCE decreased at %v", at)
				for n := lastSeq; n < p.seq; n++ {
					gone[n] = true
				}
				end := p.seq + len(p.segs)
				require.GreaterOrEqual(t, end, lastEnd, "a segment was removed from the end at %v", at)
				lastSeq, lastEnd = p.seq, end
				for _, s := range p.segs {
					require.False(t, gone[s.msn], "segment %d is listed again at %v", s.msn, at)
					lines := strings.Join(s.lines, "\n")
					if before, ok := seen[s.msn]; ok {
						require.Equal(t, before, lines, "segment %d changed at %v", s.msn, at)
					}
					seen[s.msn] = lines
				}
			}
			assert.Equal(t, 40, len(seen), "segments seen")
		})
	}
}

// TestLiveTSPlaylistAt checks the regular presentation: the window, media
// and discontinuity sequence numbers, dates and keys.
func TestLiveTSPlaylistAt(t *testing.T) {
	tests := []struct {
		name        string
		at          time.Time
		rotate      int
		disc        bool
		seq, done   int
		dseq        int
		keys        map[int]string // segment -> key URI applied to it
		discontinu  []int          // segments with EXT-X-DISCONTINUITY
		wantKeyTags int
	}{
		{name: "before the start", at: liveT0.Add(-time.Hour)},
		{name: "clear", at: liveAt(20, 1), seq: 8, done: 20},
		{name: "clear with discontinuities", at: liveAt(20, 1), disc: true, seq: 8, done: 20, dseq: 1,
			discontinu: []int{8, 12, 16}},
		{name: "a discontinuity on the first segment", at: liveAt(24, 0), disc: true, seq: 12, done: 24, dseq: 2,
			discontinu: []int{12, 16, 20}},
		{name: "the segment after it first", at: liveAt(25, 0), disc: true, seq: 13, done: 25, dseq: 3,
			discontinu: []int{16, 20, 24}},
		{name: "keys every 5 segments", at: liveAt(20, 0), rotate: 5, seq: 8, done: 20,
			keys:        map[int]string{8: "../key-1.key", 9: "../key-1.key", 10: "../key-2.key", 14: "../key-2.key", 15: "../key-3.key", 19: "../key-3.key"},
			wantKeyTags: 3},
		{name: "a new key on the first segment", at: liveAt(22, 0), rotate: 5, seq: 10, done: 22,
			keys: map[int]string{10: "../key-2.key", 15: "../key-3.key", 21: "../key-4.key"}, wantKeyTags: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := newLive(t, tc.at, func(o *LiveOrigin) { o.KeyRotation, o.LoopDiscontinuity = tc.rotate, tc.disc })
			for _, v := range []string{"low", "high"} {
				body := liveBody(t, o, "ts/"+v+"/index.m3u8")
				p := parseLiveMedia(t, body)
				assert.Equal(t, "3", p.header["#EXT-X-VERSION"], v)
				assert.Equal(t, "2", p.header["#EXT-X-TARGETDURATION"], v)
				assert.NotContains(t, body, "#EXT-X-SERVER-CONTROL", v)
				assert.NotContains(t, body, "#EXT-X-PART", v)
				assert.Equal(t, tc.seq, p.seq, v)
				assert.Equal(t, tc.dseq, p.dseq, v)
				assert.Equal(t, tc.wantKeyTags, strings.Count(body, "#EXT-X-KEY:METHOD=AES-128,URI="), v)
				assert.NotContains(t, body, "IV=", "%s: the IV is the media sequence number", v)
				require.Len(t, p.segs, tc.done-tc.seq, v)
				var disc []int
				dsn := p.dseq
				for i, s := range p.segs {
					n := tc.seq + i
					assert.Equal(t, fmt.Sprintf("seg%d.ts", n), s.uri, v)
					assert.Equal(t, "1.92000", s.dur, v)
					assert.Equal(t, liveAt(n, 0), s.pdt, "%s: PDT of segment %d", v, n)
					if want, ok := tc.keys[n]; ok {
						assert.Equal(t, want, s.key, "%s: key of segment %d", v, n)
					}
					if tc.rotate > 0 {
						assert.Equal(t, fmt.Sprintf("../key-%d.key", n/tc.rotate), s.key, "%s: key of segment %d", v, n)
					} else {
						assert.Empty(t, s.key, v)
					}
					if s.disc {
						disc = append(disc, n)
						dsn++
					}
					if tc.disc { // a segment's discontinuity sequence number counts the loops before it
						assert.Equal(t, n/liveLoopSegments, dsn, "%s: discontinuity sequence number of segment %d", v, n)
					}
				}
				assert.Equal(t, tc.discontinu, disc, v)
			}
		})
	}
}

// TestLiveMultivariant checks both multivariant playlists.
func TestLiveMultivariant(t *testing.T) {
	o, _ := newLive(t, liveAt(100, 0), nil)
	ll := liveBody(t, o, LiveLowLatencyPath)
	assert.Contains(t, ll, `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Tone",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio/index.m3u8"`+"\n")
	ts := liveBody(t, o, LiveTSPath)
	for _, tc := range []struct {
		name, body, audio string
	}{{"LowLatency", ll, `,AUDIO="audio"`}, {"TS", ts, ""}} {
		t.Run(tc.name, func(t *testing.T) {
			lines := strings.Split(strings.TrimSpace(tc.body), "\n")
			var variants []string
			for i, line := range lines {
				if !strings.HasPrefix(line, "#EXT-X-STREAM-INF:") {
					continue
				}
				require.Less(t, i+1, len(lines))
				variants = append(variants, lines[i+1])
				var bw, avg, w, h int
				var rest string
				_, err := fmt.Sscanf(line, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%dx%d,%s", &bw, &avg, &w, &h, &rest)
				require.NoError(t, err, line)
				assert.Greater(t, bw, 30000, line)
				assert.GreaterOrEqual(t, bw, avg, line)
				assert.True(t, strings.HasPrefix(rest, `FRAME-RATE=25.000,CODECS="avc1.42c0`), line)
				assert.True(t, strings.HasSuffix(rest, `,mp4a.40.2"`+tc.audio), line)
			}
			assert.Equal(t, []string{"low/index.m3u8", "high/index.m3u8"}, variants)
		})
	}
}

func TestLiveOriginValidate(t *testing.T) {
	tests := []struct {
		name string
		o    *LiveOrigin
		want string // "" for no error
	}{
		{name: "zero value", o: &LiveOrigin{}},
		{name: "everything set", o: &LiveOrigin{Window: 4, KeyRotation: 1, LoopDiscontinuity: true, BlockLimit: time.Second, PollInterval: time.Millisecond}},
		{name: "negative window", o: &LiveOrigin{Window: -1}, want: "Window is negative"},
		{name: "window under three target durations", o: &LiveOrigin{Window: 3}, want: "shorter than three target durations"},
		{name: "negative key rotation", o: &LiveOrigin{KeyRotation: -2}, want: "KeyRotation is negative"},
		{name: "negative block limit", o: &LiveOrigin{BlockLimit: -time.Second}, want: "BlockLimit is negative"},
		{name: "negative poll interval", o: &LiveOrigin{PollInterval: -1}, want: "PollInterval is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
			rec := liveGet(t, tc.o, LiveLowLatencyPath)
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Contains(t, rec.Body.String(), tc.want)
		})
	}
}

// TestLiveOriginZeroStart checks that a zero Start begins the stream a
// window before the first request.
func TestLiveOriginZeroStart(t *testing.T) {
	clock := newTestClock(liveT0)
	o := &LiveOrigin{Now: clock.Now}
	p := parseLiveMedia(t, liveBody(t, o, "ll/low/index.m3u8"))
	assert.Equal(t, 0, p.seq)
	require.Len(t, p.segs, liveWindow)
	assert.Equal(t, liveT0.Add(-liveWindow*liveSeg), p.segs[0].pdt)
	clock.Set(liveT0.Add(liveSeg))
	p = parseLiveMedia(t, liveBody(t, o, "ll/low/index.m3u8"))
	assert.Equal(t, 1, p.seq, "Start stays where the first request put it")
}

func TestLiveOriginNotFound(t *testing.T) {
	o, _ := newLive(t, liveAt(20, 0), nil)
	for _, target := range []string{
		"", "ll/", "ll/master.m3u8/", "ll/video/index.m3u8", "ll/low/", "ll/low/seg007.m4s", "ll/low/seg-1.m4s",
		"ll/low/seg1.part3.m4s", "ll/low/seg1.part01.m4s", "ll/low/seg1.ts", "ll/low/seg1.part.m4s", "ll/low/seg.m4s",
		"ll/low/seg99999999999999999999.m4s", "ll/low/seg23.m4s", "ll/low/seg5000.part0.m4s",
		"ts/low/init.mp4", "ts/low/seg1.m4s", "ts/key-1.key", "ts/low/seg30.ts", "ts/audio/index.m3u8", "LL/master.m3u8",
	} {
		t.Run(target, func(t *testing.T) {
			rec := liveGet(t, o, target)
			assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
	t.Run("POST", func(t *testing.T) {
		rec := httptestRequest(o, http.MethodPost, "/"+LiveTSPath)
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
	})
	t.Run("HEAD", func(t *testing.T) {
		rec := httptestRequest(o, http.MethodHead, "/ll/low/seg3.m4s")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Empty(t, rec.Body.Bytes())
		assert.NotEmpty(t, rec.Header().Get("Content-Length"))
	})
}
