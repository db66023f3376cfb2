package playlist_test

import (
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// TestHandlerCacheControlDefaults: with CacheControl empty, each mode says
// what a shared cache may keep, and for how long. At 00:05:30 with the
// default TTL (6 h) and bucket (15 min) server-side credentials expire at
// 06:15:00: a cache may serve them for 570 s and still give every viewer
// 6 h.
func TestHandlerCacheControlDefaults(t *testing.T) {
	const (
		vod  = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n#EXT-X-ENDLIST\n"
		live = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:6,\na.ts\n"
		// A live playlist that offers blocking reloads.
		lowLatency = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3\n" +
			"#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:6,\na.ts\n"
	)
	at := time.Date(2028, 8, 16, 0, 5, 30, 0, time.UTC)
	e := newEnv(t)
	viewerCreds, err := e.signer.Credentials(policy.New(cdn+"/v/*", at.Add(7*time.Hour)))
	require.NoError(t, err)
	carried := e.carrier.Encode(viewerCreds)
	for _, tc := range []struct {
		name   string
		mode   playlist.Mode
		set    func(h *playlist.Handler)
		now    time.Time
		body   string
		header string // the origin's Cache-Control
		query  string
		want   string
	}{
		{name: "server-side VOD: shared while the credentials still last TTL", mode: playlist.ModeServerSide, body: vod, now: at,
			want: "public, max-age=60, s-maxage=570"},
		{name: "server-side VOD: under a minute left", mode: playlist.ModeServerSide, body: vod, now: at.Add(9*time.Minute + 10*time.Second),
			want: "public, max-age=20, s-maxage=20"},
		{name: "server-side VOD at a bucket boundary: not shared", mode: playlist.ModeServerSide, body: vod,
			now: time.Date(2028, 8, 16, 0, 15, 0, 0, time.UTC), want: "private, no-cache"},
		{name: "server-side, a custom bucket", mode: playlist.ModeServerSide, body: vod, now: at,
			set:  func(h *playlist.Handler) { h.ServerSide.TTL, h.ServerSide.Bucket = time.Hour, time.Hour },
			want: "public, max-age=60, s-maxage=3270"},
		{name: "server-side live: half the target", mode: playlist.ModeServerSide, body: live, now: at, want: "public, max-age=3, s-maxage=3"},
		{name: "server-side LL-HLS request without the query in the key", mode: playlist.ModeServerSide, body: live, now: at,
			query: "_HLS_msn=4&_HLS_part=1", want: "private, no-cache"},
		{name: "server-side LL-HLS request with the query in the key", mode: playlist.ModeServerSide, body: live, now: at,
			query: "_HLS_msn=4&_HLS_part=1", set: func(h *playlist.Handler) { h.QueryInCacheKey = true }, want: "public, max-age=3, s-maxage=3"},
		{name: "server-side, BindViewerIP: never shared", mode: playlist.ModeServerSide, body: vod, now: at,
			set: func(h *playlist.Handler) {
				h.ServerSide.BindViewerIP, h.QueryInCacheKey = true, true
			}, want: "private, no-cache"},
		{name: "server-side, Viewer without the query in the key", mode: playlist.ModeServerSide, body: vod, now: at, query: carried,
			set: func(h *playlist.Handler) {
				h.ServerSide.Viewer = playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}
			},
			want: "private, no-cache"},
		{name: "server-side, Viewer with the query in the key", mode: playlist.ModeServerSide, body: vod, now: at, query: carried,
			set: func(h *playlist.Handler) {
				h.ServerSide.Viewer, h.QueryInCacheKey = playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}, true
			}, want: "public, max-age=60, s-maxage=570"},
		{name: "propagate without the query in the key", mode: playlist.ModePropagate, body: vod, now: at, query: carried,
			want: "private, no-cache"},
		{name: "propagate with the query in the key", mode: playlist.ModePropagate, body: vod, now: at, query: carried,
			set: func(h *playlist.Handler) { h.QueryInCacheKey = true }, want: "public, max-age=60, s-maxage=900"},
		{name: "propagate live with the query in the key", mode: playlist.ModePropagate, body: live, now: at, query: carried,
			set: func(h *playlist.Handler) { h.QueryInCacheKey = true }, want: "public, max-age=3, s-maxage=3"},
		{name: "server-side VOD, the origin says private: not shared", mode: playlist.ModeServerSide, body: vod, now: at,
			header: "private, max-age=600", want: "private, no-cache"},
		{name: "server-side VOD, the origin says no-store: not shared", mode: playlist.ModeServerSide, body: vod, now: at,
			header: "no-store", want: "private, no-cache"},
		{name: "propagate, the origin says no-cache: not shared", mode: playlist.ModePropagate, body: vod, now: at, query: carried,
			header: "no-cache", set: func(h *playlist.Handler) { h.QueryInCacheKey = true }, want: "private, no-cache"},
		{name: "server-side with AllowOrigins: not shared (the answer echoes the Origin)", mode: playlist.ModeServerSide, body: vod, now: at,
			set: func(h *playlist.Handler) { h.AllowOrigins = []string{"https://watch.example"} }, want: "private, no-cache"},
		{name: "server-side LL-HLS playlist, a plain reload, without the query in the key", mode: playlist.ModeServerSide, body: lowLatency,
			now: at, want: "private, no-cache"},
		{name: "server-side LL-HLS playlist, a plain reload, with the query in the key", mode: playlist.ModeServerSide, body: lowLatency,
			now: at, set: func(h *playlist.Handler) { h.QueryInCacheKey = true }, want: "public, max-age=3, s-maxage=3"},
		{name: "cookies VOD: the origin's", mode: playlist.ModeCookies, body: vod, now: at, header: "max-age=86400", want: "max-age=86400"},
		{name: "cookies VOD, the origin says nothing: nothing", mode: playlist.ModeCookies, body: vod, now: at, want: ""},
		{name: "cookies live: the origin's, capped", mode: playlist.ModeCookies, body: live, now: at, header: "max-age=60", want: "max-age=3"},
		{name: "cookies live, the origin says nothing", mode: playlist.ModeCookies, body: live, now: at, want: "public, max-age=3"},
		{name: "set CacheControl wins", mode: playlist.ModeServerSide, body: vod, now: at,
			set: func(h *playlist.Handler) { h.CacheControl = "no-store" }, want: "no-store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"v/index.m3u8": {Data: []byte(tc.body)}}
			origin := playlist.FSOrigin(fsys)
			if tc.header != "" {
				inner := origin
				origin = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", tc.header)
					inner.ServeHTTP(w, r)
				})
			}
			h := &playlist.Handler{Origin: origin, Mode: tc.mode, Now: func() time.Time { return tc.now }, ErrorLog: quiet()}
			switch tc.mode {
			case playlist.ModeServerSide:
				h.ServerSide.Signer = e.signer
			case playlist.ModePropagate:
				h.Propagate = playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}
			}
			if tc.set != nil {
				tc.set(h)
			}
			require.NoError(t, h.Validate())
			target := cdn + "/v/index.m3u8"
			if tc.query != "" {
				target += "?" + tc.query
			}
			w := get(h, "GET", target)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, tc.want, w.Header().Get("Cache-Control"))
			_, present := w.Header()["Cache-Control"]
			assert.Equal(t, tc.want != "", present, "a Cache-Control header")
		})
	}
}
