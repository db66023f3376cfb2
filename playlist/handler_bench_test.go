package playlist_test

import (
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func benchServe(b *testing.B, h http.Handler, target string) {
	r := httptest.NewRequest("GET", target, nil)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discard is a ResponseWriter that copies what it is given into a buffer it
// reuses, as a server copies an answer into its connection's buffer, and
// that has a ReadFrom with a pooled buffer, as net/http's has: so that a
// handler that writes a body and one that streams it (http.FileServer)
// both pay for every byte, and neither pays for a buffer net/http would
// reuse.
type discard struct {
	h       http.Header
	status  int
	scratch [32 << 10]byte
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(p []byte) (int, error) {
	for n := 0; n < len(p); {
		n += copy(d.scratch[:], p[n:])
	}
	return len(p), nil
}

var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (d *discard) ReadFrom(r io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	var total int64
	for {
		n, err := r.Read(buf[:])
		_, _ = d.Write(buf[:n])
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// BenchmarkHandler1000 serves a 1,000-segment playlist rewritten with
// server-side credentials from an in-memory origin; BenchmarkFileServer1000
// serves the same file unrewritten with http.FileServer. Compare ns/op.
func BenchmarkHandler1000(b *testing.B) {
	e := newEnv(b)
	fsys := fstest.MapFS{"movies/1/index.m3u8": {Data: playlist.MediaPlaylistForTest(1000)}}
	h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}}
	benchServe(b, h, cdn+"/movies/1/index.m3u8")
}

func BenchmarkFileServer1000(b *testing.B) {
	fsys := fstest.MapFS{"movies/1/index.m3u8": {Data: playlist.MediaPlaylistForTest(1000)}}
	benchServe(b, http.FileServerFS(fsys), cdn+"/movies/1/index.m3u8")
}

// BenchmarkFileServerRewritten1000 serves, with http.FileServer, the bytes
// BenchmarkHandler1000 produces: the cost of sending that much, without the
// rewriting. Credentials make the playlist about ten times larger.
func BenchmarkFileServerRewritten1000(b *testing.B) {
	e := newEnv(b)
	fsys := fstest.MapFS{"movies/1/index.m3u8": {Data: playlist.MediaPlaylistForTest(1000)}}
	h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer}}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", cdn+"/movies/1/index.m3u8", nil))
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
	b.ReportMetric(float64(w.Body.Len()), "bytes/response")
	rewritten := fstest.MapFS{"movies/1/index.m3u8": {Data: w.Body.Bytes()}}
	benchServe(b, http.FileServerFS(rewritten), cdn+"/movies/1/index.m3u8")
}

// BenchmarkHandlerLive1000 is BenchmarkHandler1000 for a live (DVR)
// playlist of 1,000 dated segments: each segment's credentials come from
// when it appeared, so the playlist holds a few credential sets.
func BenchmarkHandlerLive1000(b *testing.B) {
	e := newEnv(b)
	vod := string(playlist.MediaPlaylistForTest(1000))
	live := strings.Replace(strings.Replace(vod, "#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PROGRAM-DATE-TIME:2028-08-16T00:00:00Z\n", 1), "#EXT-X-ENDLIST\n", "", 1)
	fsys := fstest.MapFS{"movies/1/index.m3u8": {Data: []byte(live)}}
	h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModeServerSide,
		ServerSide: playlist.ServerSide{Signer: e.signer, TTL: 3 * time.Hour}, Now: func() time.Time { return clock }}
	benchServe(b, h, cdn+"/movies/1/index.m3u8")
}

// BenchmarkHandlerPropagateVerifier serves a small media playlist in
// ModePropagate with a Verifier (RSA 2048) checking the carried
// credentials, the same credentials on every request as from one viewer
// reloading: with the Verifier's cache of verified signatures off
// (SetCacheSize(0): an RSA verification per request) and on (the default:
// verified once).
func BenchmarkHandlerPropagateVerifier(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(b, err)
	s, err := signer.New("K2RSATEST", key)
	require.NoError(b, err)
	creds, err := s.Credentials(policy.New(cdn+"/movies/1/*", clock.Add(time.Hour)))
	require.NoError(b, err)
	carrier := signer.Suffix("-PREFIX")
	fsys := fstest.MapFS{"movies/1/low/index.m3u8": {Data: []byte(media)}}
	for _, bc := range []struct {
		name string
		size int
	}{{"cache=off", 0}, {"cache=on", signer.DefaultVerifierCacheSize}} {
		b.Run(bc.name, func(b *testing.B) {
			v := signer.NewVerifier()
			require.NoError(b, v.SetCacheSize(bc.size))
			require.NoError(b, v.AddKey("K2RSATEST", key.Public()))
			h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModePropagate,
				Propagate: playlist.Carried{Carrier: &carrier, Verifier: v}, Now: func() time.Time { return clock }}
			benchServe(b, h, cdn+"/movies/1/low/index.m3u8?"+carrier.Encode(creds))
		})
	}
}

// BenchmarkHandler1000Warm is BenchmarkHandler1000 with the answer cache:
// the rewritten playlist is kept, and each request is checked against the
// origin with a conditional request (revalidate=0: If-Modified-Since, 304)
// or, within AnswerCache.Revalidate, not at all (revalidate=1m). Compare
// with BenchmarkFileServerRewritten1000, which serves the same bytes.
func BenchmarkHandler1000Warm(b *testing.B) {
	e := newEnv(b)
	fsys := fstest.MapFS{"movies/1/index.m3u8": {Data: playlist.MediaPlaylistForTest(1000), ModTime: clock.Add(-time.Hour)}}
	for _, revalidate := range []time.Duration{0, time.Minute} {
		b.Run("revalidate="+revalidate.String(), func(b *testing.B) {
			h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer},
				Answers: playlist.AnswerCache{MaxBytes: 64 << 20, Revalidate: revalidate}, Now: func() time.Time { return clock }}
			benchServe(b, h, cdn+"/movies/1/index.m3u8")
		})
	}
}
