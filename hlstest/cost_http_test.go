package hlstest_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/hlstest"
)

// What the simulated players need of HTTP and of playlists: requests built
// as a server receives them, a ResponseWriter, and just enough parsing.

// costSink is a ResponseWriter that keeps the body only when asked.
type costSink struct {
	h    http.Header
	code int
	n    int64
	keep bool
	body bytes.Buffer
}

func (s *costSink) Header() http.Header { return s.h }
func (s *costSink) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}
func (s *costSink) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	s.n += int64(len(p))
	if s.keep {
		s.body.Write(p)
	}
	return len(p), nil
}

func (s *costSink) reset(keep bool) {
	if s.h == nil {
		s.h = make(http.Header)
	}
	clear(s.h)
	s.code, s.n, s.keep = 0, 0, keep
	s.body.Reset()
}

// costRequest builds a request as a server would have received it for
// rawURL, an absolute URL.
func costRequest(rawURL, remote, cookie string) (*http.Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method: http.MethodGet, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		URL:    &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
		Header: make(http.Header), Host: u.Host, RequestURI: u.RequestURI(), RemoteAddr: remote,
	}
	if u.Scheme == "https" {
		r.TLS = &tls.ConnectionState{}
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r, nil
}

// costURIs returns the URI lines of a playlist; with variants, only those
// after EXT-X-STREAM-INF.
func costURIs(body []byte, variants bool) []string {
	var out []string
	stream := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			stream = stream || strings.HasPrefix(line, "#EXT-X-STREAM-INF:")
		case !variants || stream:
			out = append(out, line)
			stream = false
		}
	}
	return out
}

// costStarts returns when each segment of a VOD playlist starts.
func costStarts(body []byte) []time.Duration {
	var out []time.Duration
	var at time.Duration
	for _, line := range strings.Split(string(body), "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "#EXTINF:"); ok {
			d, _, _ = strings.Cut(d, ",")
			f, _ := strconv.ParseFloat(d, 64)
			out = append(out, at)
			at += time.Duration(f * float64(time.Second))
		}
	}
	return out
}

// costMediaSequence returns a live playlist's media sequence number and
// target duration.
func costMediaSequence(body []byte) (int, time.Duration) {
	seq, target := 0, 6*time.Second
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"); ok {
			seq, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(line, "#EXT-X-TARGETDURATION:"); ok {
			n, _ := strconv.Atoi(v)
			target = time.Duration(n) * time.Second
		}
	}
	return seq, target
}

// costDir returns an absolute URL up to and including the last '/' of its
// path.
func costDir(rawURL string) string {
	if i := strings.IndexByte(rawURL, '?'); i >= 0 {
		rawURL = rawURL[:i]
	}
	return rawURL[:strings.LastIndexByte(rawURL, '/')+1]
}

// costResolve resolves a URI from a playlist against the directory of the
// playlist's URL: relative paths by concatenation (all the designs write
// them), anything else with net/url.
func costResolve(dir, ref string) string {
	if !strings.Contains(ref, "://") && !strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, ".") {
		return dir + ref
	}
	base, err := url.Parse(dir)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(r).String()
}

// costParam returns the value of a query parameter in a URI, or "".
func costParam(uri, name string) string {
	_, q, ok := strings.Cut(uri, "?")
	if !ok {
		return ""
	}
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// costStats sums the hlstest counters of several distributions.
func costStats(cfs ...*hlstest.CloudFront) hlstest.BehaviorStats {
	var out hlstest.BehaviorStats
	for _, cf := range cfs {
		if cf == nil {
			continue
		}
		s := cf.Stats().Total()
		out.Requests += s.Requests
		out.Refused += s.Refused
		out.OriginRequests += s.OriginRequests
		out.OriginBytes += s.OriginBytes
		out.Hits += s.Hits
		out.RefreshHits += s.RefreshHits
		out.Misses += s.Misses
	}
	return out
}
