package playlist_test

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// llQuery is what an LL-HLS player adds to a playlist URL, with other
// parameters whose order and escaping an origin may care about.
const llQuery = "_HLS_msn=12&_HLS_part=3&_HLS_skip=v2&x=a%2Fb+c&y=%7e&z"

// liveModes builds a Handler of each mode in front of origin, and the
// query each needs on a playlist URL for /live/ (carried copies of a
// wildcard custom policy, or nothing).
func liveModes(t *testing.T, e *env, origin http.Handler) []struct {
	name    string
	h       *playlist.Handler
	carried string
} {
	t.Helper()
	creds, err := e.signer.Credentials(policy.New(cdn+"/live/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	now := func() time.Time { return clock }
	return []struct {
		name    string
		h       *playlist.Handler
		carried string
	}{
		{"propagate", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}, Now: now, ErrorLog: quiet()}, e.carrier.Encode(creds)},
		{"server-side with a viewer", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, Viewer: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}},
			Now:        now, ErrorLog: quiet()}, e.carrier.Encode(creds)},
		{"server-side", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer}, Now: now, ErrorLog: quiet()}, ""},
		{"cookies", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies, Now: now, ErrorLog: quiet()}, ""},
	}
}

// TestHandlerLiveLowLatencyQueryReachesOrigin: in every mode, _HLS_msn,
// _HLS_part, _HLS_skip and every other parameter reach the origin as the
// player sent them (order and escaping kept); only the carried copies are
// taken out. Through RemoteOrigin too.
func TestHandlerLiveLowLatencyQueryReachesOrigin(t *testing.T) {
	e := newEnv(t)
	o := &liveOrigin{liveShape: liveShape{window: 5, dated: true, parts: true}, start: clock.Add(-20 * time.Second),
		now: func() time.Time { return clock }}
	upstream := httptest.NewServer(o)
	t.Cleanup(upstream.Close)
	upstreamURL, err := url.Parse(upstream.URL)
	require.NoError(t, err)
	for _, via := range []struct {
		name   string
		origin http.Handler
	}{
		{"in-process origin", o},
		{"RemoteOrigin", playlist.RemoteOrigin(upstreamURL)},
	} {
		for _, m := range liveModes(t, e, via.origin) {
			t.Run(via.name+"/"+m.name, func(t *testing.T) {
				before := len(o.seen())
				// The carried copies go between the player's parameters.
				target := cdn + "/live/index.m3u8?_HLS_msn=12&" + m.carried + "&_HLS_part=3&_HLS_skip=v2&x=a%2Fb+c&y=%7e&z"
				if m.carried == "" {
					target = cdn + "/live/index.m3u8?" + llQuery
				}
				w := get(m.h, "GET", target)
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				seen := o.seen()
				require.Len(t, seen, before+1)
				assert.Equal(t, llQuery, seen[before])
			})
		}
	}
}

// TestHandlerPropagateRefusesCannedLowLatency: carried credentials in
// canned form cover one URL only, never the playlist's URIs, nor the
// playlist's own URL once a player adds _HLS_msn: ModePropagate refuses
// them with 403, and says in its log to sign a wildcard custom policy.
func TestHandlerPropagateRefusesCannedLowLatency(t *testing.T) {
	e := newEnv(t)
	o := &liveOrigin{liveShape: liveShape{window: 5, parts: true}, start: clock.Add(-20 * time.Second), now: func() time.Time { return clock }}
	playlistURL := cdn + "/live/index.m3u8"
	for _, tc := range []struct {
		name     string
		resource string // what the carried credentials were signed for
		query    string // what the player adds
		status   int
	}{
		{"canned for the playlist's URL", playlistURL, "", http.StatusForbidden},
		{"canned for the playlist's URL, blocking reload", playlistURL, "_HLS_msn=3&_HLS_part=1", http.StatusForbidden},
		{"canned for the URL with _HLS_msn", playlistURL + "?_HLS_msn=3", "_HLS_msn=3", http.StatusForbidden},
		{"wildcard custom policy", cdn + "/live/*", "_HLS_msn=3&_HLS_part=1", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := &playlist.Handler{Origin: o, Mode: playlist.ModePropagate,
				Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
				Now:       func() time.Time { return clock }, ErrorLog: log.New(&logs, "", 0)}
			creds, err := e.signer.Credentials(policy.New(tc.resource, clock.Add(time.Hour)))
			require.NoError(t, err)
			require.Equal(t, tc.resource == playlistURL || strings.Contains(tc.resource, "?"), creds.Expires != 0, "canned form")
			target := playlistURL + "?" + e.carrier.Encode(creds)
			if tc.query != "" {
				target += "&" + tc.query
			}
			w := get(h, "GET", target)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.status == http.StatusForbidden {
				assert.Equal(t, "credentials refused: canned policy; sign a wildcard custom policy\n", w.Body.String())
				assert.Contains(t, logs.String(), "sign a wildcard custom policy")
				assert.Contains(t, logs.String(), "_HLS_msn")
			}
		})
	}
}

// TestHandlerServerSideWildcardLiveLowLatency: ModeServerSide mints a
// wildcard custom policy for the playlist's directory (policy.DirScope)
// on every URI, whatever the playlist (multivariant, VOD, live, a delta
// update) and whatever the request adds (_HLS_msn, _HLS_part, _HLS_skip).
func TestHandlerServerSideWildcardLiveLowLatency(t *testing.T) {
	e := newEnv(t)
	live := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:100\n" +
		"#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.m4s\n#EXTINF:2,\nb.m4s\n#EXT-X-PART:DURATION=1,URI=\"c.0.m4s\"\n" +
		"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"c.1.m4s\"\n#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8\",LAST-MSN=101\n"
	delta := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXTINF:2,\nb.m4s\n"
	fsys := fstest.MapFS{
		"x/master.m3u8": {Data: []byte(master)},
		"x/vod.m3u8":    {Data: []byte(media)},
		"x/live.m3u8":   {Data: []byte(live)},
		"x/delta.m3u8":  {Data: []byte(delta)},
	}
	h := &playlist.Handler{Origin: playlist.FSOrigin(fsys), Mode: playlist.ModeServerSide,
		ServerSide: playlist.ServerSide{Signer: e.signer}, Now: func() time.Time { return clock }, ErrorLog: quiet()}
	for _, tc := range []struct {
		name, path string
		uris       int
	}{
		{"multivariant", "/x/master.m3u8", 2},
		{"VOD", "/x/vod.m3u8", 2},
		{"live", "/x/live.m3u8", 6},
		{"live, blocking reload", "/x/live.m3u8?_HLS_msn=102&_HLS_part=1", 6},
		{"live, delta update", "/x/delta.m3u8?_HLS_msn=102&_HLS_skip=YES", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, "GET", cdn+tc.path)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var n int
			for _, u := range liveURIs(w.Body.String()) {
				if strings.Contains(u.uri, "keys.invalid") {
					continue // another host: out of scope
				}
				n++
				q, err := url.ParseQuery(u.query())
				require.NoError(t, err, u.uri)
				assert.Empty(t, q.Get("Expires"), "no canned form: %s", u.uri)
				assert.Equal(t, cdn+"/x/*", mintedPolicy(t, q).Resource, u.uri)
			}
			assert.Equal(t, tc.uris, n)
		})
	}
}

// TestHandlerServerSideDeltaUpdateLiveLowLatency: a delta update
// (_HLS_skip=YES, answered with EXT-X-SKIP and no date for the segments
// after it) gives the segments it lists the very URIs the full playlist
// gave them, dated or not.
func TestHandlerServerSideDeltaUpdateLiveLowLatency(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, full, delta string
	}{
		{"dated",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-PROGRAM-DATE-TIME:2028-08-16T00:53:00Z\n",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n"},
		{"undated",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n",
			"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, delta := tc.full, tc.delta
			for i := range 10 {
				seg := "#EXTINF:2,\nseg-" + string(rune('a'+i)) + ".ts\n"
				full += seg
				if i >= 6 {
					delta += seg
				}
			}
			fsys := fstest.MapFS{"live/index.m3u8": {Data: []byte(full)}}
			now := clock
			h := &playlist.Handler{Origin: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("_HLS_skip") == "YES" {
					_, _ = io.WriteString(w, delta)
					return
				}
				playlist.FSOrigin(fsys).ServeHTTP(w, r)
			}), Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer, TTL: liveTTL, Bucket: liveBucket},
				Now: func() time.Time { return now }, ErrorLog: quiet()}
			wf := get(h, "GET", cdn+"/live/index.m3u8")
			require.Equal(t, http.StatusOK, wf.Code, wf.Body.String())
			now = now.Add(liveBucket) // the next bucket
			wd := get(h, "GET", cdn+"/live/index.m3u8?_HLS_msn=110&_HLS_skip=YES")
			require.Equal(t, http.StatusOK, wd.Code, wd.Body.String())
			assert.Contains(t, wd.Body.String(), "#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n")
			got := liveURIs(wd.Body.String())
			require.Len(t, got, 4)
			for _, u := range got {
				assert.Contains(t, wf.Body.String(), "\n"+u.uri+"\n", "as in the full playlist")
				_, err := e.verifier.VerifyURL(cdn+"/live/"+u.uri, netip.MustParseAddr("192.0.2.1"), now)
				assert.NoError(t, err, u.uri)
			}
		})
	}
}
