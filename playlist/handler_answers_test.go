package playlist_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// countingOrigin serves fsys and records, for each request, the status it
// answered and the validators the request sent.
type countingOrigin struct {
	mu       sync.Mutex
	fsys     fstest.MapFS
	statuses []int
	conds    []string
	header   [2]string // a header every answer gets, when set
}

func (o *countingOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusWriter{ResponseWriter: w}
	o.mu.Lock()
	fsys := o.fsys
	if o.header[0] != "" {
		w.Header().Set(o.header[0], o.header[1])
	}
	o.mu.Unlock()
	playlist.FSOrigin(fsys).ServeHTTP(rec, r)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.statuses = append(o.statuses, rec.status)
	o.conds = append(o.conds, r.Header.Get("If-Modified-Since")+r.Header.Get("If-None-Match"))
}

func (o *countingOrigin) set(name, body string, mod time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := fstest.MapFS{}
	for k, v := range o.fsys {
		m[k] = v
	}
	m[name] = &fstest.MapFile{Data: []byte(body), ModTime: mod}
	o.fsys = m
}

func (o *countingOrigin) seen() []int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]int(nil), o.statuses...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

const vodPlaylist = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg-0.ts\n#EXTINF:2,\nseg-1.ts\n#EXT-X-ENDLIST\n"

// TestHandlerAnswers: with Answers on, a warm request is answered from
// what the Handler kept: without asking the origin within Revalidate, with
// a conditional request (304) after it, and anew when the playlist
// changed.
func TestHandlerAnswers(t *testing.T) {
	e := newEnv(t)
	mod := clock.Add(-time.Hour)
	for _, tc := range []struct {
		name       string
		revalidate time.Duration
		steps      []time.Duration // when each request is made, after clock
		change     int             // the origin's playlist changes before this request (0: never)
		want       []int           // the origin's statuses
	}{
		{"within Revalidate: no origin request", time.Minute, []time.Duration{0, time.Second, 59 * time.Second}, 0, []int{200}},
		{"after Revalidate: a conditional request, 304", time.Minute, []time.Duration{0, 61 * time.Second, 62 * time.Second}, 0, []int{200, 304}},
		{"Revalidate zero: a conditional request each time", 0, []time.Duration{0, 0, 0}, 0, []int{200, 304, 304}},
		{"a changed playlist is fetched again", 0, []time.Duration{0, time.Second, 2 * time.Second}, 2, []int{200, 304, 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &countingOrigin{}
			o.set("movies/1/index.m3u8", vodPlaylist, mod)
			now := clock
			h := &playlist.Handler{Origin: o, Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer},
				Answers: playlist.AnswerCache{MaxBytes: 1 << 20, Revalidate: tc.revalidate}, Now: func() time.Time { return now }, ErrorLog: quiet()}
			var bodies []string
			for i, step := range tc.steps {
				if tc.change == i && i > 0 {
					o.set("movies/1/index.m3u8", strings.Replace(vodPlaylist, "seg-1.ts", "seg-1b.ts", 1), mod.Add(time.Minute))
				}
				now = clock.Add(step)
				w := get(h, "GET", cdn+"/movies/1/index.m3u8")
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				bodies = append(bodies, w.Body.String())
			}
			assert.Equal(t, tc.want, o.seen(), "the origin's answers")
			for i, b := range bodies {
				changed := tc.change > 0 && i >= tc.change
				assert.Equal(t, changed, strings.Contains(b, "seg-1b.ts?"), "request %d: the playlist as the origin has it", i)
				assert.Contains(t, b, "seg-0.ts?Policy=", "request %d: credentials on every URI", i)
			}
			if tc.change == 0 {
				for _, b := range bodies[1:] {
					assert.Equal(t, bodies[0], b, "the same bucket, the same answer")
				}
			}
		})
	}
}

// TestHandlerAnswersCredentials: what is kept never goes to a request
// with other credentials: each propagate viewer gets their own, a new
// server-side bucket gets new ones (from the kept origin playlist, without
// asking the origin), and an expired viewer is refused although an answer
// is kept.
func TestHandlerAnswersCredentials(t *testing.T) {
	e := newEnv(t)
	o := &countingOrigin{}
	o.set("movies/1/index.m3u8", vodPlaylist, clock.Add(-time.Hour))
	answers := playlist.AnswerCache{MaxBytes: 1 << 20, Revalidate: time.Hour}

	t.Run("propagate: two viewers", func(t *testing.T) {
		now := clock
		h := &playlist.Handler{Origin: o, Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
			Answers: answers, Now: func() time.Time { return now }, ErrorLog: quiet()}
		var viewers, own []string // carried copies; the credentials they carry
		for _, expires := range []time.Time{clock.Add(time.Hour), clock.Add(2 * time.Hour)} {
			creds, err := e.signer.Credentials(policy.New(cdn+"/movies/1/*", expires))
			require.NoError(t, err)
			viewers, own = append(viewers, e.carrier.Encode(creds)), append(own, creds.Encode())
		}
		for round := range 2 {
			for i, v := range viewers {
				w := get(h, "GET", cdn+"/movies/1/index.m3u8?"+v)
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				assert.Contains(t, w.Body.String(), "seg-0.ts?"+own[i]+"\n", "round %d: viewer %d gets their own credentials", round, i)
				assert.NotContains(t, w.Body.String(), own[1-i], "round %d: viewer %d never gets the other's", round, i)
			}
		}
		assert.Len(t, o.seen(), 1, "one origin request for both viewers")
		now = clock.Add(90 * time.Minute) // the first viewer's credentials expired
		w := get(h, "GET", cdn+"/movies/1/index.m3u8?"+viewers[0])
		assert.Equal(t, http.StatusForbidden, w.Code, "an expired viewer is refused while an answer for them is kept")
		assert.NotContains(t, w.Body.String(), "seg-0.ts")
	})
	t.Run("server-side: a new bucket", func(t *testing.T) {
		before := len(o.seen())
		now := clock
		h := &playlist.Handler{Origin: o, Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer},
			Answers: answers, Now: func() time.Time { return now }, ErrorLog: quiet()}
		first := get(h, "GET", cdn+"/movies/1/index.m3u8").Body.String()
		now = clock.Add(20 * time.Minute)
		second := get(h, "GET", cdn+"/movies/1/index.m3u8").Body.String()
		assert.NotEqual(t, first, second, "credentials of the new bucket")
		assert.Contains(t, second, "seg-0.ts?Policy=")
		assert.Len(t, o.seen(), before+1, "one origin request: the second answer is rewritten from the kept playlist")
	})
}

// TestHandlerAnswersNotKept: live playlists are fetched every time, and the
// cache holds at most MaxBytes.
func TestHandlerAnswersNotKept(t *testing.T) {
	e := newEnv(t)
	const live = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2,\nseg-1.ts\n"
	for _, tc := range []struct {
		name     string
		body     string
		maxBytes int64
		want     []int
	}{
		{"live: never kept", live, 1 << 20, []int{200, 200, 200}},
		{"larger than MaxBytes: not kept", vodPlaylist, 64, []int{200, 200, 200}},
		{"room for it: kept", vodPlaylist, 1 << 20, []int{200}},
		{"the origin says private: not kept", vodPlaylist, 1 << 20, []int{200, 200, 200}},
		{"the origin says no-store: not kept", vodPlaylist, 1 << 20, []int{200, 200, 200}},
		{"the origin varies by a header: not kept", vodPlaylist, 1 << 20, []int{200, 200, 200}},
		{"the origin varies by Accept-Encoding only: kept", vodPlaylist, 1 << 20, []int{200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &countingOrigin{}
			switch {
			case strings.Contains(tc.name, "private"):
				o.header = [2]string{"Cache-Control", "private, max-age=600"}
			case strings.Contains(tc.name, "no-store"):
				o.header = [2]string{"Cache-Control", "no-store"}
			case strings.Contains(tc.name, "a header"):
				o.header = [2]string{"Vary", "Accept-Encoding, Cookie"}
			case strings.Contains(tc.name, "Accept-Encoding only"):
				o.header = [2]string{"Vary", "Accept-Encoding"}
			}
			o.set("movies/1/index.m3u8", tc.body, clock.Add(-time.Hour))
			h := &playlist.Handler{Origin: o, Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer},
				Answers: playlist.AnswerCache{MaxBytes: tc.maxBytes, Revalidate: time.Hour}, Now: func() time.Time { return clock }, ErrorLog: quiet()}
			for range 3 {
				w := get(h, "GET", cdn+"/movies/1/index.m3u8")
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			}
			assert.Equal(t, tc.want, o.seen())
		})
	}
}
