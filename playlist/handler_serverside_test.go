package playlist_test

import (
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
	"github.com/cfhls/cfhls/signer"
)

// sampleFS lays out a presentation like the demo's sample: a master in
// sample/, renditions in sibling folders.
func sampleFS() fstest.MapFS {
	return fstest.MapFS{
		"sample/master.m3u8":    {Data: []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow/index.m3u8\n")},
		"sample/low/index.m3u8": {Data: []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg-0.ts\n#EXT-X-ENDLIST\n")},
	}
}

// uriQuery returns the query of the playlist line that starts with prefix.
func uriQuery(t *testing.T, body, prefix string) url.Values {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, prefix+"?") {
			q, err := url.ParseQuery(strings.TrimPrefix(line, prefix+"?"))
			require.NoError(t, err)
			return q
		}
	}
	require.Failf(t, "no URI", "no line %q… in\n%s", prefix, body)
	return nil
}

// mintedPolicy decodes the custom policy on a URI's query.
func mintedPolicy(t *testing.T, q url.Values) policy.Policy {
	t.Helper()
	require.NotEmpty(t, q.Get("Policy"), "custom policy on the URI: %v", q)
	doc, err := policy.Decode(q.Get("Policy"))
	require.NoError(t, err)
	p, err := policy.Parse(doc)
	require.NoError(t, err)
	return p
}

// serverSideHandler signs the whole sample (Scope …/sample/*) and caps it by
// the viewer's carried copies.
func serverSideHandler(e *env) *playlist.Handler {
	return &playlist.Handler{Origin: playlist.FSOrigin(sampleFS()), Mode: playlist.ModeServerSide,
		ServerSide: playlist.ServerSide{Signer: e.signer,
			Scope:  func(*http.Request, *url.URL) (string, error) { return cdn + "/sample/*", nil },
			Viewer: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}},
		Now: func() time.Time { return clock }, ErrorLog: quiet()}
}

// TestHandlerServerSideCappedByViewer: in ServerSide mode with a Viewer, the
// credentials minted for a viewer are never wider than the viewer's own
// policy: not a later expiry, not a dropped IP condition, not a wider
// resource. The first case is the example.
func TestHandlerServerSideCappedByViewer(t *testing.T) {
	e := newEnv(t)
	bucketed := policy.RoundUp(clock.Add(6*time.Hour), 15*time.Minute)
	for _, tc := range []struct {
		name     string
		viewer   policy.Policy
		path     string // requested playlist, under cdn
		uri      string // the URI of it whose credentials are checked
		resource string
		ip       string
		expires  time.Time
	}{
		{"signed for sample/low/*, 127.0.0.1/32, 2 minutes",
			policy.Policy{Resource: cdn + "/sample/low/*", Expires: clock.Add(2 * time.Minute), SourceIP: netip.MustParsePrefix("127.0.0.1/32")},
			"/sample/low/index.m3u8", "seg-0.ts", cdn + "/sample/low/*", "127.0.0.1/32", clock.Add(2 * time.Minute)},
		{"viewer's resource wider than Scope: Scope kept",
			policy.New(cdn+"/*", clock.Add(time.Hour)),
			"/sample/master.m3u8", "low/index.m3u8", cdn + "/sample/*", "", clock.Add(time.Hour)},
		{"viewer's expiry later than TTL: TTL kept",
			policy.New(cdn+"/sample/*", clock.Add(24*time.Hour)),
			"/sample/master.m3u8", "low/index.m3u8", cdn + "/sample/*", "", bucketed},
		{"viewer's network kept",
			policy.Policy{Resource: cdn + "/sample/*", Expires: clock.Add(time.Hour), SourceIP: netip.MustParsePrefix("127.0.0.0/8")},
			"/sample/low/index.m3u8", "seg-0.ts", cdn + "/sample/*", "127.0.0.0/8", clock.Add(time.Hour)},
		{"viewer's resource with '?': not provably wider, viewer's own",
			policy.New(cdn+"/sampl?/*", clock.Add(time.Hour)),
			"/sample/low/index.m3u8", "seg-0.ts", cdn + "/sampl?/*", "", clock.Add(time.Hour)},
		{"viewer's resource with an inner '*': viewer's own",
			policy.New(cdn+"/*/low/*", clock.Add(time.Hour)),
			"/sample/low/index.m3u8", "seg-0.ts", cdn + "/*/low/*", "", clock.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := serverSideHandler(e)
			creds, err := e.signer.Credentials(tc.viewer)
			require.NoError(t, err)
			w := getFrom(h, "127.0.0.1:50000", cdn+tc.path+"?"+e.carrier.Encode(creds), "X-Forwarded-Proto", "https")
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			q := uriQuery(t, w.Body.String(), tc.uri)
			got := mintedPolicy(t, q)
			assert.Equal(t, tc.resource, got.Resource)
			if tc.ip == "" {
				assert.False(t, got.SourceIP.IsValid(), "no IP condition: %v", got.SourceIP)
			} else {
				assert.Equal(t, netip.MustParsePrefix(tc.ip), got.SourceIP)
			}
			assert.Equal(t, tc.expires.Unix(), got.Expires.Unix())
			if strings.HasSuffix(tc.uri, ".m3u8") {
				assert.Equal(t, creds.Policy, q.Get("Policy-PREFIX"), "nested playlists carry the viewer's own copies on")
			}
		})
	}
	t.Run("canned viewer: the playlist's own URL only", func(t *testing.T) {
		h := serverSideHandler(e)
		target := cdn + "/sample/low/index.m3u8"
		creds, err := e.signer.Credentials(policy.New(target, clock.Add(time.Minute)))
		require.NoError(t, err)
		w := getFrom(h, "127.0.0.1:50000", target+"?"+e.carrier.Encode(creds), "X-Forwarded-Proto", "https")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		q := uriQuery(t, w.Body.String(), "seg-0.ts")
		assert.Equal(t, []string{"1850000060"}, q["Expires"])
		_, err = e.verifier.VerifyURL(target+"?"+q.Encode(), netip.Addr{}, clock)
		assert.NoError(t, err, "canned credentials for the playlist's URL")
		_, err = e.verifier.VerifyURL(cdn+"/sample/low/seg-0.ts?"+q.Encode(), netip.Addr{}, clock)
		assert.ErrorIs(t, err, signer.ErrBadSignature, "nothing beyond the URL the viewer was signed for")
	})
}

// TestHandlerServerSideRequiresCarried: with a Viewer, ServerSide mode
// refuses playlist requests without verified copies of the viewer's
// credentials (stripping them must not lift the cap), and needs the
// Viewer's Verifier.
func TestHandlerServerSideRequiresCarried(t *testing.T) {
	e := newEnv(t)
	sample, err := e.signer.Credentials(policy.New(cdn+"/sample/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	other, err := e.signer.Credentials(policy.New(cdn+"/other/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	bound := policy.New(cdn+"/sample/*", clock.Add(time.Hour))
	bound.SourceIP = netip.MustParsePrefix("198.51.100.0/24")
	boundCreds, err := e.signer.Credentials(bound)
	require.NoError(t, err)
	forged := sample
	forged.Signature = strings.Repeat("A", len(forged.Signature)-2) + "__"
	target := cdn + "/sample/master.m3u8"
	for _, tc := range []struct {
		name, query string
		at          time.Time
		status      int
		body        string
	}{
		{"with copies", e.carrier.Encode(sample), clock, http.StatusOK, "low/index.m3u8?Policy="},
		{"no copies", "", clock, http.StatusForbidden, "no credentials"},
		{"only the plain parameters", sample.Encode(), clock, http.StatusForbidden, "no credentials"},
		{"forged copies", e.carrier.Encode(forged), clock, http.StatusForbidden, "bad signature"},
		{"another presentation's copies", e.carrier.Encode(other), clock, http.StatusForbidden, "resource does not match"},
		{"expired copies", e.carrier.Encode(sample), clock.Add(2 * time.Hour), http.StatusForbidden, "expired"},
		{"copies bound to another network", e.carrier.Encode(boundCreds), clock, http.StatusForbidden, "source IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := serverSideHandler(e)
			h.Now = func() time.Time { return tc.at }
			w := getFrom(h, "127.0.0.1:50000", target+"?"+tc.query, "X-Forwarded-Proto", "https")
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
		})
	}
	t.Run("no Verifier", func(t *testing.T) {
		h := serverSideHandler(e)
		h.ServerSide.Viewer.Verifier = nil
		assert.ErrorIs(t, h.Validate(), playlist.ErrConfig)
		w := getFrom(h, "127.0.0.1:50000", target+"?"+e.carrier.Encode(sample), "X-Forwarded-Proto", "https")
		assert.Equal(t, http.StatusInternalServerError, w.Code, "unverified copies cannot cap anything")
	})
	t.Run("no Viewer: minted for the Scope, as documented", func(t *testing.T) {
		h := serverSideHandler(e)
		h.ServerSide.Viewer = playlist.Carried{}
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("X-Forwarded-Proto", "https")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, cdn+"/sample/*", mintedPolicy(t, uriQuery(t, w.Body.String(), "low/index.m3u8")).Resource)
	})
}
