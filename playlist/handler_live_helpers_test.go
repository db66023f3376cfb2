package playlist_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// liveOrigin serves a live media playlist at /live/index.m3u8 that moves
// with now: 2-second segments from start, the last window of them listed,
// dated or not, with LL-HLS parts (0.5 s) and preload hints when parts
// is set, an EXT-X-MAP when init is set, and an AES-128 key rotating
// every keyEvery segments when that is not zero. It notes the query of
// every request, and waits delay before answering.
type liveOrigin struct {
	liveShape
	start time.Time
	now   func() time.Time
	delay time.Duration

	mu      sync.Mutex
	queries []string
}

// liveShape is what a liveOrigin's playlist holds.
type liveShape struct {
	window   int
	dated    bool
	parts    bool
	init     bool
	keyEvery int
}

const (
	liveSegment = 2 * time.Second
	livePart    = 500 * time.Millisecond
)

func (o *liveOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.queries = append(o.queries, r.URL.RawQuery)
	o.mu.Unlock()
	if o.delay > 0 {
		select {
		case <-time.After(o.delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.URL.Path != "/live/index.m3u8" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	_, _ = w.Write([]byte(o.playlist(o.now())))
}

// seen returns the queries of the requests so far.
func (o *liveOrigin) seen() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.queries...)
}

// segmentStart is when segment i starts.
func (o *liveOrigin) segmentStart(i int) time.Time {
	return o.start.Add(time.Duration(i) * liveSegment)
}

// playlist is the live playlist at now.
func (o *liveOrigin) playlist(now time.Time) string {
	elapsed := now.Sub(o.start)
	done := int(elapsed / liveSegment) // segments complete
	first := max(0, done-o.window)
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n")
	if o.parts {
		b.WriteString("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5\n#EXT-X-PART-INF:PART-TARGET=0.5\n")
	}
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	if o.init {
		b.WriteString("#EXT-X-MAP:URI=\"init.mp4\"\n")
	}
	if o.dated {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", o.segmentStart(first).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	for i := first; i < done; i++ {
		if o.keyEvery > 0 && (i == first || i%o.keyEvery == 0) {
			fmt.Fprintf(&b, "#EXT-X-KEY:METHOD=AES-128,URI=\"key-%d.key\"\n", i/o.keyEvery)
		}
		if o.parts && i >= done-2 {
			for p := range int(liveSegment / livePart) {
				fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"seg-%d.%d.m4s\"\n", i, p)
			}
		}
		fmt.Fprintf(&b, "#EXTINF:2.000,\nseg-%d.m4s\n", i)
	}
	if o.parts {
		k := int((elapsed - time.Duration(done)*liveSegment) / livePart) // parts of the segment in progress
		for p := range k {
			fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"seg-%d.%d.m4s\"\n", done, p)
		}
		fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg-%d.%d.m4s\"\n", done, k)
	}
	return b.String()
}

// liveURI is a URI found in a rewritten playlist.
type liveURI struct {
	kind string // "segment", or the tag that holds it ("EXT-X-PART", ...)
	uri  string // as written, credentials included
}

var uriAttr = regexp.MustCompile(`URI="([^"]*)"`)

// liveURIs lists the URIs of a rewritten media playlist in order.
func liveURIs(body string) []liveURI {
	var found []liveURI
	for _, line := range strings.Split(body, "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXT"):
			tag, _, _ := strings.Cut(strings.TrimPrefix(line, "#"), ":")
			for _, m := range uriAttr.FindAllStringSubmatch(line, -1) {
				found = append(found, liveURI{tag, m[1]})
			}
		case !strings.HasPrefix(line, "#"):
			found = append(found, liveURI{"segment", line})
		}
	}
	return found
}

// path is the URI without its query.
func (u liveURI) path() string {
	p, _, _ := strings.Cut(u.uri, "?")
	return p
}

// query is the URI's query.
func (u liveURI) query() string {
	_, q, _ := strings.Cut(u.uri, "?")
	return q
}
