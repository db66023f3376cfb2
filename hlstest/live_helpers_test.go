package hlstest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The live tests' stream starts at liveT0; segments last liveSeg, parts
// livePart, and the loop is liveLoopSegments segments (what gen.sh makes;
// TestLiveMediaTiming checks the media agree).
var liveT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	liveSeg          = 1920 * time.Millisecond
	livePart         = 640 * time.Millisecond
	liveParts        = 3
	liveLoopSegments = 4
)

// liveAt is the moment n segments and p parts after liveT0.
func liveAt(n, p int) time.Time {
	return liveT0.Add(time.Duration(n)*liveSeg + time.Duration(p)*livePart)
}

// newLive returns a LiveOrigin starting at liveT0 on a test clock that
// reads at, with its fields set by configure.
func newLive(t testing.TB, at time.Time, configure func(*LiveOrigin)) (*LiveOrigin, *testClock) {
	t.Helper()
	clock := newTestClock(at)
	o := &LiveOrigin{Now: clock.Now, Start: liveT0, PollInterval: time.Millisecond}
	if configure != nil {
		configure(o)
	}
	require.NoError(t, o.Validate())
	return o, clock
}

// liveGet asks h for target and returns the response.
func liveGet(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+target, nil))
	return rec
}

// httptestRequest sends h a request with any method.
func httptestRequest(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// liveBody asks h for target, requires 200 and returns the body.
func liveBody(t testing.TB, h http.Handler, target string) string {
	t.Helper()
	rec := liveGet(t, h, target)
	require.Equal(t, http.StatusOK, rec.Code, "GET %s: %s", target, rec.Body.String())
	return rec.Body.String()
}

// liveSegment is a segment as a media playlist lists it.
type liveSegment struct {
	msn   int
	lines []string // from its first tag to its URI line, parts and keys excluded
	parts []string // its EXT-X-PART lines
	pdt   time.Time
	dur   string // EXTINF duration
	uri   string
	disc  bool
	key   string // EXT-X-KEY URI applied to it, or ""
}

// liveMediaPlaylist is a media playlist read by the tests, independently of
// the origin's code.
type liveMediaPlaylist struct {
	header  map[string]string // tag name -> value, for tags before the first segment
	seq     int
	dseq    int
	skipped int
	segs    []liveSegment
	partial liveSegment // parts after the last complete segment
	hint    string
	reports []string
}

// parseLiveMedia reads a media playlist.
func parseLiveMedia(t testing.TB, body string) liveMediaPlaylist {
	t.Helper()
	require.True(t, strings.HasPrefix(body, "#EXTM3U\n"), "playlist: %q", body)
	p := liveMediaPlaylist{header: map[string]string{}}
	var cur liveSegment
	key := ""
	inSegments := false
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n")[1:] {
		tag, value, _ := strings.Cut(line, ":")
		switch tag {
		case "#EXT-X-PROGRAM-DATE-TIME":
			pdt, err := time.Parse("2006-01-02T15:04:05.000Z", value)
			require.NoError(t, err, line)
			cur.pdt = pdt
		case "#EXT-X-PART":
			cur.parts = append(cur.parts, line)
			continue
		case "#EXTINF":
			cur.dur = strings.TrimSuffix(value, ",")
		case "#EXT-X-DISCONTINUITY":
			cur.disc = true
		case "#EXT-X-KEY":
			_, uri, _ := strings.Cut(value, `URI="`)
			key, _, _ = strings.Cut(uri, `"`)
			inSegments = true
			continue // not one of the segment's own lines: it may come and go
		case "#EXT-X-PRELOAD-HINT":
			p.hint = value
			continue
		case "#EXT-X-RENDITION-REPORT":
			p.reports = append(p.reports, value)
			continue
		case "#EXT-X-SKIP":
			n, err := strconv.Atoi(strings.TrimPrefix(value, "SKIPPED-SEGMENTS="))
			require.NoError(t, err, line)
			p.skipped = n
			continue
		}
		switch tag {
		case "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-DISCONTINUITY", "#EXT-X-KEY", "#EXTINF":
			inSegments = true
		}
		if !inSegments {
			p.header[tag] = value
			var err error
			switch tag {
			case "#EXT-X-MEDIA-SEQUENCE":
				p.seq, err = strconv.Atoi(value)
			case "#EXT-X-DISCONTINUITY-SEQUENCE":
				p.dseq, err = strconv.Atoi(value)
			}
			require.NoError(t, err, line)
			continue
		}
		cur.lines = append(cur.lines, line)
		if !strings.HasPrefix(line, "#") {
			cur.uri, cur.key = line, key
			cur.msn = p.seq + p.skipped + len(p.segs)
			p.segs = append(p.segs, cur)
			cur = liveSegment{}
		}
	}
	cur.msn = p.seq + p.skipped + len(p.segs)
	p.partial = cur
	return p
}
