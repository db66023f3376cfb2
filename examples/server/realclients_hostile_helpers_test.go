package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
)

// Helpers of the hostile-playlist tests (realclients_hostile_ffmpeg_test.go,
// realclients_hostile_hlsjs_test.go): real players play playlists whose URIs
// are written so that some player resolves them to a host other than the
// CDN, through the whole stack, while a "foreign" listener on loopback
// stands in for the attacker's host and records what reaches it. The
// rewriter must never hand that host the viewer's credentials.

// foreignRequest is one request the foreign host received.
type foreignRequest struct {
	target string // the request target as sent: path and raw query
	cookie string // the Cookie header
}

// credentialMarks are the parts of a URL that carry CloudFront credentials:
// the signing parameters and the carried "-PREFIX" copies, lowercase.
var credentialMarks = []string{"policy=", "signature=", "key-pair-id=", "expires=", "-prefix"}

// leaked reports whether the request carries credentials: a signing
// parameter or a carried copy anywhere in its target, as sent or
// percent-decoded, in any case, or a CloudFront-* cookie.
func (r foreignRequest) leaked() bool {
	texts := []string{strings.ToLower(r.target)}
	if u, err := url.PathUnescape(r.target); err == nil {
		texts = append(texts, strings.ToLower(u))
	}
	for _, s := range texts {
		for _, m := range credentialMarks {
			if strings.Contains(s, m) {
				return true
			}
		}
	}
	return strings.Contains(strings.ToLower(r.cookie), "cloudfront-")
}

// foreignHost is the attacker's host: an HTTP server on loopback that
// records every request and serves harmless copies of test content, with
// CORS for any page, so that a player that follows a hostile URI there goes
// on playing and reaches the next hostile line. The first path segment of a
// request names the hostile URI that led there (see hostileSlot); the rest
// is the file served.
type foreignHost struct {
	host    string // "127.0.0.2:PORT"
	origin  string // "http://127.0.0.2:PORT"
	content fs.FS
	mu      sync.Mutex
	reqs    []foreignRequest
}

// startForeignHost starts a foreign host on ip (port chosen by the system)
// serving content, and stops it when the test ends.
func startForeignHost(t *testing.T, ip string, content fs.FS) *foreignHost {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err, "listening on %s for the foreign host (127.0.0.0/8 is loopback on Linux)", ip)
	f := &foreignHost{host: l.Addr().String(), origin: "http://" + l.Addr().String(), content: content}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("foreign host: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		if t.Failed() {
			t.Logf("foreign host %s received:\n  %s", f.host, strings.Join(f.targets(), "\n  "))
		}
	})
	return f
}

// ServeHTTP records the request and serves the file after the first path
// segment, or 404.
func (f *foreignHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, foreignRequest{target: r.RequestURI, cookie: r.Header.Get("Cookie")})
	f.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, file, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || !fs.ValidPath(file) {
		http.NotFound(w, r)
		return
	}
	http.ServeFileFS(w, r, f.content, file)
}

// requests returns what the foreign host received so far.
func (f *foreignHost) requests() []foreignRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]foreignRequest(nil), f.reqs...)
}

// targets returns the received request targets, quoted, for messages.
func (f *foreignHost) targets() []string {
	var s []string
	for _, r := range f.requests() {
		s = append(s, strconv.QuoteToASCII(r.target))
	}
	return s
}

// received reports whether a request under /tag/ arrived.
func (f *foreignHost) received(tag string) bool {
	for _, r := range f.requests() {
		if strings.HasPrefix(r.target, "/"+tag+"/") {
			return true
		}
	}
	return false
}

// assertNoLeak checks that no request to the foreign host carried
// credentials and, with visited, that at least one arrived without: a
// player did follow a hostile URI there, so the check is not vacuous.
func assertNoLeak(t *testing.T, f *foreignHost, visited bool) {
	t.Helper()
	reqs := f.requests()
	for _, r := range reqs {
		assert.False(t, r.leaked(), "the foreign host %s got the viewer's credentials: %q", f.host, r.target)
	}
	if visited {
		assert.NotEmpty(t, reqs, "no player followed a hostile URI to the foreign host %s", f.host)
	}
}

// hostilePattern is a way to write a URI that some player resolves to the
// foreign host though it does not read as a URL on another host.
type hostilePattern struct {
	name string
	// text is the URI, with {origin} ("http://127.0.0.2:PORT"), {host}
	// ("127.0.0.2:PORT") and {path} (the path on the foreign host) to
	// replace. A hostile playlist defines the variable h as {origin}.
	text string
}

// The hostile patterns: URIs a security review found some player resolving
// to another host while the rewriter took them for references on the CDN.
// Which player follows which is in the tests' comments.
var (
	patVT        = hostilePattern{"vt", "\x0b{origin}{path}"}            // vertical tab: String.prototype.trim drops it
	patFF        = hostilePattern{"ff", "\x0c{origin}{path}"}            // form feed
	patSOH       = hostilePattern{"soh", "\x01{origin}{path}"}           // a C0 control WHATWG URL strips
	patNBSP      = hostilePattern{"nbsp", "\u00a0{origin}{path}"}        // no-break space
	patBOM       = hostilePattern{"bom", "\ufeff{origin}{path}"}         // byte order mark
	patLSEP      = hostilePattern{"lsep", "\u2028{origin}{path}"}        // line separator: JavaScript's "." stops there
	patTabSlash  = hostilePattern{"tab-slash", "/\t/{host}{path}"}       // WHATWG URL removes tabs: "//host"
	patTabScheme = hostilePattern{"tab-scheme", "h\tttp://{host}{path}"} // and here "http://host"
	patDefine    = hostilePattern{"define", "{$h}{path}"}                // EXT-X-DEFINE substitution
	patVTCR      = hostilePattern{"vt-cr", "\x0b\r//{host}{path}"}       // ffmpeg ends lines at CR and drops blank ones: refused
	patFFCR      = hostilePattern{"ff-cr", "\x0c\r//{host}{path}"}
)

// hostileDefine is the EXT-X-DEFINE line every hostile playlist holds, for
// patDefine.
const hostileDefine = `#EXT-X-DEFINE:NAME="h",VALUE="{origin}"`

// hostileSlot is one hostile URI in a playlist: where it is (kind: variant,
// audio, seg, key, map), how it is written, and the file of the foreign
// host's content it points at.
type hostileSlot struct {
	kind    string
	pattern hostilePattern
	file    string // such as "sample/low/seg-1.ts"
}

// tag names the slot: the first path segment of the URL it points at.
func (s hostileSlot) tag() string { return s.kind + "-" + s.pattern.name }

// uri is the slot's URI text in a playlist that points at f.
func (s hostileSlot) uri(f *foreignHost) string {
	return f.expand(strings.ReplaceAll(s.pattern.text, "{path}", "/"+s.tag()+"/"+s.file))
}

// expand replaces {origin} and {host} in a playlist template.
func (f *foreignHost) expand(s string) string {
	return strings.NewReplacer("{origin}", f.origin, "{host}", f.host).Replace(s)
}

// reachedCDN reports whether the simulated CloudFront got a request for a
// URL that names tag (a player resolved the slot against the CDN), and
// returns its log line.
func reachedCDN(cdn *hlstest.CloudFront, tag string) (string, bool) {
	for _, e := range cdn.Log() {
		if strings.Contains(e.URL, "/"+tag+"/") {
			return cdnLine(e), true
		}
	}
	return "", false
}

// describeSlots says, for messages, where each slot's URI took the player.
func describeSlots(f *foreignHost, cdn *hlstest.CloudFront, slots []hostileSlot) string {
	var b strings.Builder
	for _, s := range slots {
		where := "not fetched"
		if f.received(s.tag()) {
			where = "foreign host"
		} else if line, ok := reachedCDN(cdn, s.tag()); ok {
			where = "CDN: " + line
		}
		fmt.Fprintf(&b, "\n  %-16s %-14q -> %s", s.tag(), s.uri(f), where)
	}
	return b.String()
}

// mergeFS copies every file of the file systems into one MapFS; later ones
// win.
func mergeFS(t *testing.T, fsyss ...fs.FS) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, fsys := range fsyss {
		require.NoError(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			m[p] = &fstest.MapFile{Data: b}
			return err
		}))
	}
	return m
}

// foreignContent is what the foreign host serves: the embedded sample, its
// key, and a TS init section (the first three packets of a segment: SDT,
// PAT, PMT) for EXT-X-MAP.
func foreignContent(t *testing.T) fs.FS {
	t.Helper()
	m := mergeFS(t, sampleMedia(), sampleKeys())
	seg := m["sample/low/seg-0.ts"].Data
	require.Greater(t, len(seg), 3*188)
	m["sample/low/init.ts"] = &fstest.MapFile{Data: seg[:3*188]}
	return m
}
