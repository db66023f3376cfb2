package hlstest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the two multivariant playlists a LiveOrigin serves, relative to
// where it is mounted.
const (
	// LiveLowLatencyPath is the multivariant playlist of the LL-HLS
	// presentation: fMP4 video variants with parts, and an audio rendition.
	LiveLowLatencyPath = "ll/master.m3u8"
	// LiveTSPath is the multivariant playlist of the regular live
	// presentation: MPEG-TS variants, AES-128 when LiveOrigin.KeyRotation
	// is set.
	LiveTSPath = "ts/master.m3u8"
)

// ErrConfig is wrapped by every error of LiveOrigin.Validate.
var ErrConfig = errors.New("hlstest: invalid configuration")

// LiveOrigin is an origin serving two live presentations that advance with
// its clock, shaped like what packagers publish, with real media that
// players decode: a short loop (livemedia/gen.sh), served with media
// sequence numbers, timestamps and dates that keep advancing so that a
// player does not notice the loop. Tests drive it with a fast injected
// clock (Now); a demo uses the wall clock.
//
// Paths are relative to where it is mounted (http.StripPrefix, or the root
// of a CloudFront behavior's origin):
//
//	ll/master.m3u8                 LL-HLS multivariant playlist
//	ll/{low,high}/index.m3u8       fMP4 video, 256x144 and 426x240, 25 fps
//	ll/audio/index.m3u8            fMP4 AAC-LC audio (EXT-X-MEDIA TYPE=AUDIO)
//	ll/<r>/init.mp4                init section (EXT-X-MAP)
//	ll/<r>/seg<n>.m4s              segment n: its parts, concatenated
//	ll/<r>/seg<n>.part<i>.m4s      part i of segment n
//	ts/master.m3u8                 regular live multivariant playlist
//	ts/{low,high}/index.m3u8       MPEG-TS video and audio
//	ts/<v>/seg<n>.ts               segment n (AES-128 when KeyRotation > 0)
//	ts/key-<k>.key                 AES-128 key k (LiveKey), from ../key-<k>.key
//
// Timing comes from the media: segments of 1.92 s, each of 3 parts of
// 0.64 s with a key frame at the start of the first (the only part marked
// INDEPENDENT=YES in video), and a loop of 4 segments. Segment n covers
// [Start + n×1.92 s, Start + (n+1)×1.92 s) and can be fetched, and is listed,
// once the clock reaches its end; part i of it likewise at Start +
// n×1.92 s + (i+1)×0.64 s. Everything else (window, media sequence,
// program date and time, keys) derives from Now.
//
// LL-HLS media playlists (EXT-X-VERSION 9) support blocking reload
// (_HLS_msn, _HLS_part) and delta updates (_HLS_skip); see ServeHTTP. The
// regular playlists are version 3 and ignore _HLS_ parameters, as a server
// that does not advertise them must.
//
// Set the fields before the first request and do not change them after; a
// LiveOrigin is then safe for concurrent use. The zero value serves both
// presentations, clear, from the wall clock, as if it had started a window
// before its first request.
type LiveOrigin struct {
	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// Start is when media sequence number 0 begins (and its
	// EXT-X-PROGRAM-DATE-TIME), truncated to the millisecond. Zero means
	// Now at the first request minus the duration of Window segments, so
	// that the first playlist already lists a full window. Before Start,
	// media playlists list no segment.
	Start time.Time

	// Window is how many complete segments a media playlist lists. Zero
	// means 12 (23.04 s), which leaves delta updates 5 segments to skip
	// past CAN-SKIP-UNTIL (6 target durations, 12 s). A window shorter than
	// three target durations is a configuration error (RFC 8216 section
	// 6.2.2 forbids such a playlist).
	Window int

	// KeyRotation, when positive, encrypts the TS presentation with
	// AES-128, changing key every KeyRotation segments: segment n uses key
	// n/KeyRotation (LiveKey), and no IV attribute, so its IV is its media
	// sequence number (RFC 8216 section 5.2). Zero leaves it clear. The
	// LL-HLS presentation is always clear.
	KeyRotation int

	// LoopDiscontinuity, when set, marks each restart of the loop in the TS
	// presentation with EXT-X-DISCONTINUITY (and counts them in
	// EXT-X-DISCONTINUITY-SEQUENCE) and serves TS segments with the
	// timestamps they were encoded with. False (the default) shifts every
	// PTS, DTS and PCR, and the continuity counters, by the loop's duration
	// at each pass, so the stream has no discontinuity at all. The LL-HLS
	// presentation always shifts (tfdt), never marks.
	LoopDiscontinuity bool

	// BlockLimit is how long a blocking playlist reload, or a request for
	// a part or segment not yet available, waits before it is answered 503
	// Service Unavailable (RFC 8216bis section 6.2.5.2): BlockLimit on
	// Now's clock, and never more than BlockLimit of real time either, so
	// that a stopped test clock cannot hold a request forever. Zero means
	// three target durations (6 s). With a clock that keeps running at
	// least as fast as real time it is never reached: requests further
	// ahead are refused 400 or 404 at once.
	BlockLimit time.Duration

	// PollInterval is how often, in real time, a waiting request reads Now
	// to see whether what it waits for exists. Zero means 5 ms. A wait
	// also ends when the request's context is done.
	PollInterval time.Duration

	once  sync.Once
	media *liveMedia
	err   error
	start time.Time
}

// Defaults of LiveOrigin's fields.
const (
	liveWindow = 12
	livePoll   = 5 * time.Millisecond
)

// Validate reports a configuration that cannot work, wrapping ErrConfig
// and naming the field: negative Window, KeyRotation, BlockLimit or
// PollInterval, or a Window shorter than three target durations. It also
// reports embedded media that cannot be served (a broken livemedia/).
func (o *LiveOrigin) Validate() error {
	m, err := loadLiveMedia()
	if err != nil {
		return err
	}
	switch {
	case o.Window < 0:
		return fmt.Errorf("%w: LiveOrigin.Window is negative (%d)", ErrConfig, o.Window)
	case o.KeyRotation < 0:
		return fmt.Errorf("%w: LiveOrigin.KeyRotation is negative (%d); use 0 for clear segments", ErrConfig, o.KeyRotation)
	case o.BlockLimit < 0:
		return fmt.Errorf("%w: LiveOrigin.BlockLimit is negative (%v)", ErrConfig, o.BlockLimit)
	case o.PollInterval < 0:
		return fmt.Errorf("%w: LiveOrigin.PollInterval is negative (%v)", ErrConfig, o.PollInterval)
	}
	if w := o.window(); m.windowDuration(w) < 3*time.Duration(m.target)*time.Second {
		return fmt.Errorf("%w: LiveOrigin.Window of %d segments (%v) is shorter than three target durations (%ds)",
			ErrConfig, w, m.windowDuration(w), 3*m.target)
	}
	return nil
}

// windowDuration is the shortest duration of w consecutive segments.
func (m *liveMedia) windowDuration(w int) time.Duration {
	shortest := time.Duration(-1)
	for s := 0; s < m.segments; s++ {
		d := m.segStart(s+w) - m.segStart(s)
		if shortest < 0 || d < shortest {
			shortest = d
		}
	}
	return shortest
}

func (o *LiveOrigin) window() int {
	if o.Window == 0 {
		return liveWindow
	}
	return o.Window
}

func (o *LiveOrigin) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *LiveOrigin) poll() time.Duration {
	if o.PollInterval == 0 {
		return livePoll
	}
	return o.PollInterval
}

func (o *LiveOrigin) blockLimit() time.Duration {
	if o.BlockLimit == 0 {
		return 3 * time.Duration(o.media.target) * time.Second
	}
	return o.BlockLimit
}

// setup validates the configuration, decodes the media and fixes Start,
// once.
func (o *LiveOrigin) setup() error {
	o.once.Do(func() {
		if o.err = o.Validate(); o.err != nil {
			return
		}
		o.media, _ = loadLiveMedia()
		o.start = o.Start
		if o.start.IsZero() {
			o.start = o.now().Add(-o.media.segStart(o.window()))
		}
		o.start = o.start.Truncate(time.Millisecond).UTC()
	})
	return o.err
}

// elapsed is the time since Start, on the origin's clock.
func (o *LiveOrigin) elapsed() time.Duration { return o.now().Sub(o.start) }

// ServeHTTP serves the presentations at the paths LiveOrigin lists.
//
// A media playlist of the LL-HLS presentation takes delivery directives
// (RFC 8216bis section 6.2.5); other query parameters are ignored:
//   - _HLS_msn=M waits until segment M is complete, _HLS_msn=M&_HLS_part=P
//     until part P of segment M is (a P past the segment's last part means
//     part 0 of segment M+1), then answers the playlist of that moment;
//   - 400 Bad Request at once for _HLS_part without _HLS_msn, a value that
//     is not a decimal integer (digits only), a repeated directive, an M
//     past the last complete segment plus two, a part more than the
//     Advance Part Limit (3 s of parts) past the last part, or an
//     _HLS_skip other than YES or v2;
//   - 503 Service Unavailable when BlockLimit passes first;
//   - _HLS_skip=YES (or v2, the same here: there are no date ranges) is
//     answered with a delta update: EXT-X-SKIP:SKIPPED-SEGMENTS=k stands
//     for the oldest segments that end more than CAN-SKIP-UNTIL before the
//     last complete segment, and the rest is byte for byte the full
//     playlist. With nothing to skip, the full playlist is the answer.
//
// A part or segment requested before it exists (as a preload hint is) waits
// for it when it will exist within BlockLimit, else is 404. Anything else
// unknown is 404; a method other than GET or HEAD is 405. Playlists are
// served with Cache-Control max-age=1, media and keys with max-age=86400,
// errors with no-store. A configuration that fails Validate answers every
// request 500 with the reason.
func (o *LiveOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := o.setup(); err != nil {
		liveError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		liveError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	switch p {
	case LiveLowLatencyPath:
		servePlaylist(w, r, o.llMaster())
		return
	case LiveTSPath:
		servePlaylist(w, r, o.tsMaster())
		return
	}
	if k, ok := liveName(p, "ts/key-", ".key"); ok && o.KeyRotation > 0 {
		serveMedia(w, r, ContentType(p), LiveKey(k))
		return
	}
	pres, rest, _ := strings.Cut(p, "/")
	name, file, _ := strings.Cut(rest, "/")
	switch pres {
	case "ll":
		for i, rend := range o.media.ll {
			if rend.name == name {
				o.serveLL(w, r, i, file)
				return
			}
		}
	case "ts":
		for i, v := range o.media.ts {
			if v.name == name {
				o.serveTS(w, r, i, file)
				return
			}
		}
	}
	liveError(w, http.StatusNotFound, "not found")
}

// liveName parses prefix<n>suffix, n a decimal integer written as
// strconv.Itoa writes it (so every resource has one name).
func liveName(s, prefix, suffix string) (int, bool) {
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) || len(s) < len(prefix)+len(suffix) {
		return 0, false
	}
	digits := s[len(prefix) : len(s)-len(suffix)]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// servePlaylist answers a playlist.
func servePlaylist(w http.ResponseWriter, r *http.Request, body string) {
	w.Header().Set("Cache-Control", "max-age=1")
	w.Header().Set("Content-Type", ContentType(".m3u8"))
	serveBytes(w, r, []byte(body))
}

// serveMedia answers a segment, part, init section or key.
func serveMedia(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	w.Header().Set("Cache-Control", "max-age=86400")
	w.Header().Set("Content-Type", contentType)
	serveBytes(w, r, body)
}

func serveBytes(w http.ResponseWriter, r *http.Request, body []byte) {
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// liveError answers an error with a one-line plain text body.
func liveError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}
