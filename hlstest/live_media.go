package hlstest

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// liveFiles is the loop LiveOrigin serves, made by livemedia/gen.sh.
//
//go:embed livemedia/*.mp4 livemedia/*.ts
var liveFiles embed.FS

// liveMedia is the decoded loop, the same for every LiveOrigin: its timing
// (read from the media, never assumed) and its renditions.
type liveMedia struct {
	cum        []time.Duration // cum[j] is when part j starts in the loop; the last entry is the loop's duration
	parts      int             // parts per segment
	segments   int             // segments per loop
	partTarget time.Duration   // the longest part
	target     int             // EXT-X-TARGETDURATION, seconds
	frameRate  float64
	ll         []*liveRendition // low, high, audio
	ts         []*liveTSVariant // low, high
}

// liveRendition is one fMP4 rendition of the LL-HLS presentation.
type liveRendition struct {
	name      string
	track     mp4Track
	init      []byte
	frags     []mp4Fragment // one per part of the loop
	loopTicks uint64        // the loop's duration in the track's timescale
}

// liveTSVariant is one MPEG-TS variant of the regular presentation.
type liveTSVariant struct {
	name      string
	video     *liveRendition // the rendition whose video it carries
	segs      []tsSegment
	perLoop   map[uint16]int // continuity counter steps per pass over the loop, by PID
	loopTicks uint64         // the loop's duration in 90 kHz ticks
}

// loadLiveMedia decodes the embedded loop once.
var loadLiveMedia = sync.OnceValues(func() (*liveMedia, error) {
	return decodeLiveMedia(liveFiles)
})

// decodeLiveMedia reads the loop from fsys (livemedia/low.mp4, high.mp4,
// audio.mp4, low-N.ts, high-N.ts) and checks that every rendition has the
// same parts, the same segments and the same loop duration, to the tick.
func decodeLiveMedia(fsys fs.FS) (*liveMedia, error) {
	m := &liveMedia{}
	var durations []time.Duration
	for _, name := range []string{"low", "high", "audio"} {
		r, d, err := readLiveRendition(fsys, name)
		if err != nil {
			return nil, err
		}
		if durations == nil {
			durations = d
		} else if !equalDurations(durations, d) {
			return nil, fmt.Errorf("hlstest: live media: %s.mp4 has parts %v, low.mp4 %v", name, d, durations)
		}
		m.ll = append(m.ll, r)
	}
	// A segment starts at each video sync sample (fragment), and every
	// segment must have the same number of parts.
	video := m.ll[0]
	for j, f := range video.frags {
		if f.independent && j > 0 && m.parts == 0 {
			m.parts = j
		}
	}
	if m.parts == 0 {
		m.parts = len(video.frags)
	}
	for j, f := range video.frags {
		if f.independent != (j%m.parts == 0) || len(video.frags)%m.parts != 0 {
			return nil, fmt.Errorf("hlstest: live media: key frames are not every %d fragments", m.parts)
		}
	}
	m.segments = len(video.frags) / m.parts
	m.cum = make([]time.Duration, len(durations)+1)
	for j, d := range durations {
		m.cum[j+1] = m.cum[j] + d
		m.partTarget = max(m.partTarget, d)
	}
	samples := 0
	for _, f := range video.frags {
		samples += f.samples
	}
	m.frameRate = float64(samples) / m.loop().Seconds()
	for s := 0; s < m.segments; s++ {
		m.target = max(m.target, int((m.segDur(s)+time.Second/2)/time.Second))
	}
	for _, r := range m.ll[:2] {
		v, err := readLiveTS(fsys, r, m)
		if err != nil {
			return nil, err
		}
		m.ts = append(m.ts, v)
	}
	return m, nil
}

// readLiveRendition reads livemedia/<name>.mp4 and returns its parts'
// durations.
func readLiveRendition(fsys fs.FS, name string) (*liveRendition, []time.Duration, error) {
	data, err := fs.ReadFile(fsys, "livemedia/"+name+".mp4")
	if err != nil {
		return nil, nil, fmt.Errorf("hlstest: live media: %w", err)
	}
	init, frags, err := mp4Split(data)
	if err != nil {
		return nil, nil, fmt.Errorf("hlstest: live media %s.mp4: %w", name, err)
	}
	r := &liveRendition{name: name, init: init}
	if r.track, err = mp4ReadTrack(init); err != nil {
		return nil, nil, fmt.Errorf("hlstest: live media %s.mp4: %w", name, err)
	}
	var durations []time.Duration
	for j, data := range frags {
		f, err := mp4ReadFragment(data, r.track.trex)
		if err != nil {
			return nil, nil, fmt.Errorf("hlstest: live media %s.mp4 fragment %d: %w", name, j, err)
		}
		if j > 0 && f.decodeTime != r.frags[j-1].decodeTime+r.frags[j-1].duration {
			return nil, nil, fmt.Errorf("hlstest: live media %s.mp4: fragment %d starts at %d, not where %d ends", name, j, f.decodeTime, j-1)
		}
		r.frags = append(r.frags, f)
		r.loopTicks += f.duration
		durations = append(durations, ticksDuration(f.duration, uint64(r.track.timescale)))
	}
	return r, durations, nil
}

// readLiveTS reads the TS segments livemedia/<name>-0.ts, -1.ts, ... that
// carry rendition r's video, and checks that their durations (from the PTS
// of their first video PES) are those of the fMP4 segments.
func readLiveTS(fsys fs.FS, r *liveRendition, m *liveMedia) (*liveTSVariant, error) {
	v := &liveTSVariant{name: r.name, video: r, perLoop: map[uint16]int{}}
	v.loopTicks = uint64(m.loop()) * tsClock / uint64(time.Second)
	if ticksDuration(v.loopTicks, tsClock) != m.loop() {
		return nil, fmt.Errorf("hlstest: live media: loop of %v is not a whole number of 90 kHz ticks", m.loop())
	}
	for s := 0; s < m.segments; s++ {
		name := fmt.Sprintf("livemedia/%s-%d.ts", r.name, s)
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("hlstest: live media: %w", err)
		}
		seg, err := tsRead(data)
		if err != nil {
			return nil, fmt.Errorf("hlstest: live media %s: %w", name, err)
		}
		for pid, n := range seg.payloads {
			v.perLoop[pid] += n
		}
		v.segs = append(v.segs, seg)
	}
	for s := range v.segs {
		next := v.segs[0].videoPTS + v.loopTicks
		if s+1 < len(v.segs) {
			next = v.segs[s+1].videoPTS
		}
		if d := ticksDuration(next-v.segs[s].videoPTS, tsClock); d != m.segDur(s) {
			return nil, fmt.Errorf("hlstest: live media %s-%d.ts lasts %v, the fMP4 segment %v", r.name, s, d, m.segDur(s))
		}
	}
	return v, nil
}

// ticksDuration converts ticks of a timescale to a duration (rounded down
// to the nanosecond).
func ticksDuration(ticks, timescale uint64) time.Duration {
	return time.Duration(ticks/timescale)*time.Second + time.Duration(ticks%timescale*uint64(time.Second)/timescale)
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// loop is the duration of the loop.
func (m *liveMedia) loop() time.Duration { return m.cum[len(m.cum)-1] }

// segDur is the duration of segment s of the loop.
func (m *liveMedia) segDur(s int) time.Duration {
	return m.cum[(s+1)*m.parts] - m.cum[s*m.parts]
}

// bandwidth returns the peak and average bit rates of a sequence of
// segments, given each segment's size in bytes: the peak over segments of
// size/duration, and the total size over the loop's duration (RFC 8216
// section 4.3.4.2), rounded up.
func (m *liveMedia) bandwidth(size func(s int) int) (peak, average int) {
	total := 0
	for s := 0; s < m.segments; s++ {
		n := size(s)
		total += n
		peak = max(peak, ceilRate(n, m.segDur(s)))
	}
	return peak, ceilRate(total, m.loop())
}

// ceilRate is bytes over d, in bits per second, rounded up.
func ceilRate(bytes int, d time.Duration) int {
	bits := int64(bytes) * 8 * int64(time.Second)
	return int((bits + int64(d) - 1) / int64(d))
}

// llSize is the size of segment s of rendition r.
func (m *liveMedia) llSize(r *liveRendition, s int) int {
	n := 0
	for _, f := range r.frags[s*m.parts : (s+1)*m.parts] {
		n += len(f.data)
	}
	return n
}
