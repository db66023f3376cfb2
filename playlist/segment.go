package playlist

import (
	"net/url"
	"strconv"
	"time"
)

// URI describes an in-scope URI to a [Rewriter.Hook].
type URI struct {
	// Kind says where the URI appears.
	Kind Kind
	// Raw is the URI as it appears in the playlist: between the quotes of
	// an attribute, or on its line without surrounding blanks.
	Raw string
	// URL is Raw, with the variables the playlist defines substituted,
	// resolved: against Rebase when the URI is rebased, else against Base;
	// relative when Base is nil and Raw is relative. Never nil;
	// a fresh value for each call that the hook may keep or change. Mind that
	// URL.String escapes what Raw has unescaped ({$name} becomes %7B$name%7D).
	URL *url.URL
	// Default is what the Rewriter writes for this URI without a hook: Raw
	// (or its rebased form) with Query, and Carry if nested, added.
	Default string

	// MediaSequence is the media sequence number of the media segment the
	// URI belongs to, for the kinds that belong to one: KindSegment (the
	// segment itself), KindPart and KindPreloadHint (a part of the segment
	// in progress, which is the segment after the last one listed), and
	// KindMap and KindKey (the segment that follows the tag, which the tag
	// applies to). It counts from EXT-X-MEDIA-SEQUENCE (0 when absent),
	// one per segment URI line, and over the SKIPPED-SEGMENTS of an
	// EXT-X-SKIP, so that a segment has the same number in a delta update
	// as in the full playlist. Zero for every other kind (where it means
	// nothing), and in [Rewriter.ApplyMedia] and [Rewriter.ApplyMaster].
	MediaSequence uint64
	// ProgramDateTime is when that segment starts: the last
	// EXT-X-PROGRAM-DATE-TIME before it plus the EXTINF durations of the
	// segments in between (so a part or preload hint of the segment in
	// progress gets the last segment's date plus its duration). The zero
	// time when unknown: no EXT-X-PROGRAM-DATE-TIME yet, one the Rewriter
	// cannot read, a segment without a readable EXTINF duration in
	// between, or an EXT-X-SKIP since; and for the kinds MediaSequence
	// leaves zero.
	ProgramDateTime time.Time
}

// inSegment reports whether URIs of kind k belong to a media segment, and
// so get [URI.MediaSequence] and [URI.ProgramDateTime].
func inSegment(k Kind) bool {
	switch k {
	case KindSegment, KindPart, KindPreloadHint, KindMap, KindKey:
		return true
	}
	return false
}

// segPos is where a media playlist stands: the segment that the next URI
// line completes (the segment in progress).
type segPos struct {
	seq   uint64        // its media sequence number
	pdt   time.Time     // its PROGRAM-DATE-TIME; zero when unknown
	dur   time.Duration // its EXTINF duration, when durOK
	durOK bool
}

// segmentTag follows the tags that number and date segments; the Rewriter
// reads them only when a hook or a Handler needs segment positions.
func (s *state) segmentTag(name, content []byte) {
	v := content[len(name):]
	if len(v) > 0 && v[0] == ':' {
		v = v[1:]
	}
	st, en := trimBounds(v)
	v = v[st:en]
	switch string(name) {
	case "#EXT-X-MEDIA-SEQUENCE":
		if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			s.seg.seq = n
		}
	case "#EXT-X-PROGRAM-DATE-TIME":
		s.seg.pdt = parseDateTime(v)
	case "#EXT-X-SKIP":
		if len(content) <= len(name) {
			break
		}
		sc := newAttrScanner(content, len(name)+1)
		var a attr
		for sc.next(&a) {
			if string(a.name) == "SKIPPED-SEGMENTS" {
				if n, err := strconv.ParseUint(string(content[a.vs:a.ve]), 10, 64); err == nil {
					s.seg.seq += n
				}
			}
		}
		// The skipped segments' durations are not listed: the date of
		// the next one is unknown until a tag gives it.
		s.seg.pdt, s.seg.durOK = time.Time{}, false
	}
}

// extinf reads the duration of an #EXTINF line.
func (s *state) extinf(content []byte) {
	v := content[len("#EXTINF:"):]
	for i, c := range v {
		if c == ',' {
			v = v[:i]
			break
		}
	}
	st, en := trimBounds(v)
	s.seg.dur, s.seg.durOK = parseDuration(v[st:en])
}

// nextSegment moves past a segment URI line: the next segment starts
// where this one ends.
func (s *state) nextSegment() {
	s.seg.seq++
	if s.seg.pdt.IsZero() || !s.seg.durOK {
		s.seg.pdt = time.Time{}
	} else {
		s.seg.pdt = s.seg.pdt.Add(s.seg.dur)
	}
	s.seg.durOK = false
}

// parseDuration reads a decimal number of seconds ("6", "6.006") exactly,
// to the nanosecond (further digits are dropped).
func parseDuration(b []byte) (time.Duration, bool) {
	var sec, frac int64
	scale := int64(time.Second)
	digits, dot := false, false
	for _, c := range b {
		switch {
		case c == '.' && !dot:
			dot = true
		case '0' <= c && c <= '9':
			digits = true
			if !dot {
				if sec > 1<<31 {
					return 0, false // longer than any segment
				}
				sec = sec*10 + int64(c-'0')
			} else if scale > 1 {
				scale /= 10
				frac += int64(c-'0') * scale
			}
		default:
			return 0, false
		}
	}
	return time.Duration(sec)*time.Second + time.Duration(frac), digits
}

// parseDateTime reads an EXT-X-PROGRAM-DATE-TIME value: ISO 8601 with a
// time zone, as RFC 3339 ("2024-05-01T12:00:00.000Z", "…+02:00") or with
// a zone written without its colon ("…+0200"). The zero time when it is
// neither.
func parseDateTime(b []byte) time.Time {
	v := string(b)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
