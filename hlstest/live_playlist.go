package hlstest

import (
	"fmt"
	"strings"
	"time"
)

// This file is LiveOrigin's timeline (when each segment and part exists)
// and its playlists, rendered from the timeline at a moment.

// segStart is when segment n starts, relative to Start.
func (m *liveMedia) segStart(n int) time.Duration {
	return time.Duration(n/m.segments)*m.loop() + m.cum[n%m.segments*m.parts]
}

// partEnd is when part i of segment n ends (and can be fetched), relative
// to Start. i may be m.parts-1 at most.
func (m *liveMedia) partEnd(n, i int) time.Duration {
	return time.Duration(n/m.segments)*m.loop() + m.cum[n%m.segments*m.parts+i+1]
}

// partDur is the duration of part i of segment n.
func (m *liveMedia) partDur(n, i int) time.Duration {
	j := n%m.segments*m.parts + i
	return m.cum[j+1] - m.cum[j]
}

// at returns how many segments are complete at e (relative to Start) and
// how many parts of the next segment are.
func (m *liveMedia) at(e time.Duration) (done, parts int) {
	if e < 0 {
		return 0, 0
	}
	loops := int(e / m.loop())
	rem := e % m.loop()
	j := 0 // parts of this pass over the loop that are complete
	for j < len(m.cum)-1 && m.cum[j+1] <= rem {
		j++
	}
	return loops*m.segments + j/m.parts, j % m.parts
}

// llMaster renders the LL-HLS multivariant playlist.
func (o *LiveOrigin) llMaster() string {
	m := o.media
	audio := m.ll[2]
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Tone\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"%s/index.m3u8\"\n",
		audio.track.channels, audio.name)
	for _, v := range m.ll[:2] {
		peak, avg := m.bandwidth(func(s int) int { return m.llSize(v, s) + m.llSize(audio, s) })
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%dx%d,FRAME-RATE=%.3f,CODECS=\"%s,%s\",AUDIO=\"audio\"\n%s/index.m3u8\n",
			peak, avg, v.track.width, v.track.height, m.frameRate, v.track.codec, audio.track.codec, v.name)
	}
	return b.String()
}

// tsMaster renders the regular multivariant playlist. BANDWIDTH counts 16
// bytes of AES padding per segment whether or not segments are encrypted.
func (o *LiveOrigin) tsMaster() string {
	m := o.media
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, v := range m.ts {
		peak, avg := m.bandwidth(func(s int) int { return len(v.segs[s].data) + 16 })
		t := v.video.track
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%dx%d,FRAME-RATE=%.3f,CODECS=\"%s,%s\"\n%s/index.m3u8\n",
			peak, avg, t.width, t.height, m.frameRate, t.codec, m.ll[2].track.codec, v.name)
	}
	return b.String()
}

// liveSeconds formats a duration as HLS writes durations: seconds with
// five decimals (exact for the embedded media, whose durations are whole
// milliseconds).
func liveSeconds(d time.Duration) string {
	return fmt.Sprintf("%.5f", d.Seconds())
}

// liveDate formats a program date and time in UTC, to the millisecond.
func liveDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// skipUntil is CAN-SKIP-UNTIL: six target durations, the least allowed.
func (m *liveMedia) skipUntil() time.Duration {
	return 6 * time.Duration(m.target) * time.Second
}

// llMedia renders media playlist r (an index into m.ll) of the LL-HLS
// presentation at e (relative to Start), as a delta update when skip is set.
func (o *LiveOrigin) llMedia(r int, e time.Duration, skip bool) string {
	m := o.media
	done, parts := m.at(e)
	first := max(done-o.window(), 0)
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:%d\n", m.target)
	fmt.Fprintf(&b, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=%.1f,PART-HOLD-BACK=%s\n",
		m.skipUntil().Seconds(), liveSeconds(3*m.partTarget))
	fmt.Fprintf(&b, "#EXT-X-PART-INF:PART-TARGET=%s\n", liveSeconds(m.partTarget))
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-MAP:URI=\"init.mp4\"\n", first)
	from := first
	if skip {
		// Skip the segments that end more than CAN-SKIP-UNTIL before the
		// last complete segment does.
		for from < done && m.segStart(done)-m.segStart(from+1) > m.skipUntil() {
			from++
		}
		if from > first {
			fmt.Fprintf(&b, "#EXT-X-SKIP:SKIPPED-SEGMENTS=%d\n", from-first)
		}
	}
	// Parts are listed for the segments whose every part ends within three
	// target durations of the end of the playlist.
	end := m.segStart(done)
	if parts > 0 {
		end = m.partEnd(done, parts-1)
	}
	listParts := func(n, count int) {
		for i := 0; i < count; i++ {
			fmt.Fprintf(&b, "#EXT-X-PART:DURATION=%s,URI=\"seg%d.part%d.m4s\"", liveSeconds(m.partDur(n, i)), n, i)
			if m.ll[r].frags[n%m.segments*m.parts+i].independent {
				b.WriteString(",INDEPENDENT=YES")
			}
			b.WriteByte('\n')
		}
	}
	for n := from; n < done; n++ {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", liveDate(o.start.Add(m.segStart(n))))
		if end-m.segStart(n) <= 3*time.Duration(m.target)*time.Second {
			listParts(n, m.parts)
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\nseg%d.m4s\n", liveSeconds(m.segStart(n+1)-m.segStart(n)), n)
	}
	if parts > 0 {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", liveDate(o.start.Add(m.segStart(done))))
		listParts(done, parts)
	}
	fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg%d.part%d.m4s\"\n", done, parts)
	if done > 0 || parts > 0 {
		lastMSN, lastPart := done, parts-1
		if parts == 0 {
			lastMSN, lastPart = done-1, m.parts-1
		}
		for i, other := range m.ll {
			if i != r {
				fmt.Fprintf(&b, "#EXT-X-RENDITION-REPORT:URI=\"../%s/index.m3u8\",LAST-MSN=%d,LAST-PART=%d\n", other.name, lastMSN, lastPart)
			}
		}
	}
	return b.String()
}

// tsMedia renders a media playlist of the regular presentation at e
// (relative to Start); every variant has the same.
func (o *LiveOrigin) tsMedia(e time.Duration) string {
	m := o.media
	done, _ := m.at(e)
	first := max(done-o.window(), 0)
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n", m.target, first)
	// Segment n's discontinuity sequence number is how many times the loop
	// restarted before it; the tag before the first segment still counts.
	dsn := 0
	if o.LoopDiscontinuity && first > 0 {
		dsn = (first - 1) / m.segments
	}
	fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", dsn)
	for n := first; n < done; n++ {
		if o.LoopDiscontinuity && n > 0 && n%m.segments == 0 {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if k := o.KeyRotation; k > 0 && (n == first || n%k == 0) {
			fmt.Fprintf(&b, "#EXT-X-KEY:METHOD=AES-128,URI=\"../key-%d.key\"\n", n/k)
		}
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", liveDate(o.start.Add(m.segStart(n))))
		fmt.Fprintf(&b, "#EXTINF:%s,\nseg%d.ts\n", liveSeconds(m.segStart(n+1)-m.segStart(n)), n)
	}
	return b.String()
}
