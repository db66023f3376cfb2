package playlist_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestHandlerCacheControlLive: for a live media playlist, the max-age and
// s-maxage of Handler.CacheControl are capped to half the target duration
// (floor, whole seconds); multivariant and VOD playlists are left as they
// are. In every mode. TestHandlerCacheControlDefaults has the defaults.
func TestHandlerCacheControlLive(t *testing.T) {
	const (
		live6  = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:6,\na.ts\n"
		live7  = "#EXTM3U\n#EXT-X-TARGETDURATION:7\n#EXTINF:6,\na.ts\n"
		live1  = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n"
		event  = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n"
		ended  = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n#EXT-X-ENDLIST\n"
		vod    = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n"
		vodEnd = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n  #EXT-X-ENDLIST\r\n"
		noted  = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n# not yet #EXT-X-ENDLIST\n#EXTINF:6,\na.ts\n"
	)
	e := newEnv(t)
	for _, tc := range []struct {
		name, cacheControl, body, want string
	}{
		{"max-age above half the target", "public, max-age=60", live6, "public, max-age=3"},
		{"s-maxage too, each on its own", "max-age=2, s-maxage=600", live6, "max-age=2, s-maxage=3"},
		{"half of an odd target, floor", "public, max-age=60", live7, "public, max-age=3"},
		{"target 1: 0", "public, max-age=60, s-maxage=60", live1, "public, max-age=0, s-maxage=0"},
		{"within the cap", "public, max-age=1", live6, "public, max-age=1"},
		{"names in any case, quoted values, commas in quotes", `private="Set-Cookie, X-A", MAX-AGE="100"`, live6, `private="Set-Cookie, X-A", max-age=3`},
		{"an unreadable value", "max-age=soon", live6, "max-age=3"},
		{"no lifetime at all: one is added", "public", live6, "public, max-age=3"},
		{"no-cache needs none", "no-cache", live6, "no-cache"},
		{"no-store needs none", "no-store, private", live6, "no-store, private"},
		{"other directives kept", "public, max-age=60, must-revalidate", live6, "public, max-age=3, must-revalidate"},
		{"stale directives capped too", "public, max-age=3, stale-while-revalidate=60, stale-if-error=86400", live6,
			"public, max-age=3, stale-while-revalidate=3, stale-if-error=3"},
		{"stale directive within the cap kept", "public, max-age=2, stale-if-error=1", live6, "public, max-age=2, stale-if-error=1"},
		{"a stale directive alone is no lifetime", "public, stale-while-revalidate=60", live6, "public, stale-while-revalidate=3, max-age=3"},
		{"an event still running is live", "max-age=60", event, "max-age=3"},
		{"an event that ended is not", "max-age=60", ended, "max-age=60"},
		{"PLAYLIST-TYPE VOD is not live", "max-age=60", vod, "max-age=60"},
		{"EXT-X-ENDLIST, indented, CRLF", "max-age=60", vodEnd, "max-age=60"},
		{"EXT-X-ENDLIST in a comment does not count", "max-age=60", noted, "max-age=3"},
		{"multivariant", "public, max-age=60", master, "public, max-age=60"},
	} {
		fsys := fstest.MapFS{"live/index.m3u8": {Data: []byte(tc.body)}}
		for _, mode := range []playlist.Mode{playlist.ModeCookies, playlist.ModeServerSide} {
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: mode, CacheControl: tc.cacheControl,
					Now: func() time.Time { return clock }, ErrorLog: quiet()}
				if mode == playlist.ModeServerSide {
					h.ServerSide.Signer = e.signer
				}
				w := get(h, "GET", cdn+"/live/index.m3u8")
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				assert.Equal(t, tc.want, w.Header().Get("Cache-Control"))
			})
		}
	}
}

// TestHandlerLiveLowLatencyBlockingReload: a blocking reload that the
// origin holds for 2.5 s (until the part asked for exists) is answered
// normally through a real server in front of the Handler: nothing in the
// Handler or RemoteOrigin cuts it short.
func TestHandlerLiveLowLatencyBlockingReload(t *testing.T) {
	const hold = 2500 * time.Millisecond
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		remote bool
	}{
		{"in-process origin", false},
		{"RemoteOrigin", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := &liveOrigin{liveShape: liveShape{window: 5, dated: true, parts: true}, start: clock.Add(-20 * time.Second),
				now: func() time.Time { return clock }, delay: hold}
			var origin http.Handler = o
			if tc.remote {
				upstream := httptest.NewServer(o)
				t.Cleanup(upstream.Close)
				u, err := url.Parse(upstream.URL)
				require.NoError(t, err)
				origin = playlist.RemoteOrigin(u)
			}
			front := httptest.NewServer(&playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
				ServerSide: playlist.ServerSide{Signer: e.signer}, Now: func() time.Time { return clock }, ErrorLog: quiet()})
			t.Cleanup(front.Close)

			start := time.Now()
			resp, err := front.Client().Get(front.URL + "/live/index.m3u8?" + llQuery)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.GreaterOrEqual(t, time.Since(start), hold, "the origin held the request")
			assert.Contains(t, string(body), "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg-10.0.m4s?Policy=")
			assert.Equal(t, []string{llQuery}, o.seen())
		})
	}
}
