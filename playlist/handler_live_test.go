package playlist_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// Live credentials in these tests: TTL 30 s in 10-second buckets, for a
// 5-segment (10 s) window and a player that holds back 3 target durations
// (6 s): TTL exceeds window plus hold back.
const (
	liveTTL      = 30 * time.Second
	liveBucket   = 10 * time.Second
	liveHoldBack = 6 * time.Second
)

// TestHandlerServerSideLive reloads a live playlist that moves across
// several credential buckets, as a player does, and checks what RFC 8216
// requires of a live playlist: a segment's URI (query included) never
// changes while it is listed. Every URI verifies at the time of the reload
// and a hold back later, a playlist at a bucket boundary holds two
// credential sets, and an LL-HLS request for the same playlist gets the
// same answer.
func TestHandlerServerSideLive(t *testing.T) {
	e := newEnv(t)
	client := "127.0.0.1:50000"
	for _, tc := range []struct {
		name   string
		shape  liveShape
		keys   bool // keys go to Handler.Keys
		viewer bool // ServerSide.Viewer and BindViewerIP
	}{
		{"dated segments", liveShape{window: 5, dated: true}, false, false},
		{"undated segments: from when the Handler first listed them", liveShape{window: 5}, false, false},
		{"LowLatency parts and preload hints, dated", liveShape{window: 5, dated: true, parts: true, init: true}, false, false},
		{"LowLatency parts and preload hints, undated", liveShape{window: 5, parts: true, init: true}, false, false},
		{"rotating keys in the playlist", liveShape{window: 5, dated: true, keyEvery: 3}, false, false},
		{"rotating keys sent to Keys", liveShape{window: 5, dated: true, keyEvery: 3}, true, false},
		{"viewer's cap and bound address", liveShape{window: 5, dated: true, parts: true}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := clock
			o := &liveOrigin{liveShape: tc.shape, start: clock.Add(-10 * time.Second), now: func() time.Time { return now }}
			h := &playlist.Handler{Origin: o, Mode: playlist.ModeServerSide,
				ServerSide: playlist.ServerSide{Signer: e.signer, TTL: liveTTL, Bucket: liveBucket},
				Now:        func() time.Time { return now }, ErrorLog: quiet()}
			if tc.keys {
				h.Keys = func(_ *http.Request, key *url.URL) (string, error) { return "https://keys.example" + key.Path, nil }
			}
			carried := ""
			if tc.viewer {
				creds, err := e.signer.Credentials(policy.New(cdn+"/live/*", clock.Add(time.Hour)))
				require.NoError(t, err)
				carried = "?" + e.carrier.Encode(creds)
				h.ServerSide.Viewer = playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}
				h.ServerSide.BindViewerIP = true
			}
			require.NoError(t, h.Validate())

			listed := map[string]string{}    // URI without query -> as first written
			sticky := map[string]stickyURI{} // maps and keys: as written, until their credentials expire
			expiries := map[string]bool{}
			mostSets := 0
			for step := range 30 {
				now = clock.Add(time.Duration(step) * 1500 * time.Millisecond)
				w := getFrom(h, client, cdn+"/live/index.m3u8"+carried, "X-Forwarded-Proto", "https")
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				body := w.Body.String()
				// Shared for half the target duration (2 s), but an answer
				// bound to one viewer, or an LL-HLS playlist (blocking
				// reloads) without the query in the cache key.
				wantCC := "public, max-age=1, s-maxage=1"
				if tc.viewer || tc.shape.parts {
					wantCC = "private, no-cache"
				}
				assert.Equal(t, wantCC, w.Header().Get("Cache-Control"))

				// An LL-HLS request for the same playlist at the same moment
				// gets the same answer.
				ll := cdn + "/live/index.m3u8" + carried + sep(carried) + "_HLS_msn=" + strconv.Itoa(step) + "&_HLS_part=1&_HLS_skip=YES"
				wl := getFrom(h, client, ll, "X-Forwarded-Proto", "https")
				require.Equal(t, http.StatusOK, wl.Code, wl.Body.String())
				assert.Equal(t, body, wl.Body.String(), "_HLS_* parameters change no credentials")

				sets := map[string]bool{}
				uris := liveURIs(body)
				require.NotEmpty(t, uris)
				for _, u := range uris {
					if u.kind == "EXT-X-KEY" || u.kind == "EXT-X-MAP" {
						// A map or key serves many segments: its URI stays
						// the same while its credentials have half the TTL
						// left, and changes at most once per half TTL.
						if prev, ok := sticky[u.path()]; ok && prev.expires.After(now.Add(liveTTL/2)) {
							assert.Equal(t, prev.uri, u.uri, "%s (%s) changed at step %d", u.path(), u.kind, step)
						} else {
							q, err := url.ParseQuery(u.query())
							require.NoError(t, err)
							exp := mintedPolicy(t, q).Expires
							assert.True(t, exp.After(now.Add(liveTTL/2)), "%s: at least half the TTL left", u.path())
							sticky[u.path()] = stickyURI{u.uri, exp}
						}
					}
					if tc.keys && u.kind == "EXT-X-KEY" {
						assert.True(t, strings.HasPrefix(u.uri, "https://keys.example/live/key-"), u.uri)
						continue
					}
					for _, at := range []time.Time{now, now.Add(liveHoldBack)} {
						_, err := e.verifier.VerifyURL(cdn+"/live/"+u.uri, netip.MustParseAddr("127.0.0.1"), at)
						require.NoError(t, err, "%s at +%v, step %d", u.uri, at.Sub(now), step)
					}
					q, err := url.ParseQuery(u.query())
					require.NoError(t, err)
					p := mintedPolicy(t, q)
					assert.Equal(t, cdn+"/live/*", p.Resource, "a wildcard custom policy for the directory")
					if tc.viewer {
						assert.Equal(t, netip.MustParsePrefix("127.0.0.1/32"), p.SourceIP)
					}
					if !strings.HasSuffix(u.path(), ".m4s") {
						continue // maps and keys: checked above
					}
					if prev, ok := listed[u.path()]; ok {
						assert.Equal(t, prev, u.uri, "%s (%s) changed at step %d", u.path(), u.kind, step)
					}
					listed[u.path()] = u.uri
					if u.kind == "segment" {
						sets[q.Get("Policy")] = true
						expiries[p.Expires.String()] = true
						if o.dated {
							i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(u.path(), "seg-"), ".m4s"))
							require.NoError(t, err)
							assert.Equal(t, policy.RoundUp(o.segmentStart(i).Add(liveTTL), liveBucket).Unix(), p.Expires.Unix(),
								"dated: from the segment's PROGRAM-DATE-TIME")
						}
					}
				}
				mostSets = max(mostSets, len(sets))
			}
			assert.GreaterOrEqual(t, len(expiries), 4, "the reloads span 4 buckets")
			assert.GreaterOrEqual(t, mostSets, 2, "a playlist at a bucket boundary holds two credential sets")
		})
	}
}

// sep is what goes between a URL whose query is q (possibly empty, or
// "?…") and more parameters.
func sep(q string) string {
	if q == "" {
		return "?"
	}
	return "&"
}

// stickyURI is a map's or key's URI as written and when its credentials
// expire.
type stickyURI struct {
	uri     string
	expires time.Time
}
