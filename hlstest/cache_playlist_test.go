package hlstest_test

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestCachedPlaylistsKeepCredentialsApart: the simulated CloudFront's
// cache (all query strings in the key) in front of a propagate-mode
// playlist.Handler with its own answer cache: two viewers with different
// credentials never get each other's playlists, from either cache, and a
// viewer whose credentials expired is refused although an answer for them
// is cached in both.
func TestCachedPlaylistsKeepCredentialsApart(t *testing.T) {
	var now atomic.Int64
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now.Store(t0.Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	key := hlstest.ECDSAKey()
	s, err := signer.New(key.ID, key.Private)
	require.NoError(t, err)
	v := signer.NewVerifier()
	require.NoError(t, v.AddKey(key.ID, key.Private.Public()))
	carrier := signer.Suffix("-PREFIX")
	s3 := hlstest.NewS3Origin(hlstest.Presentation("movies/1"))
	h := &playlist.Handler{Origin: s3, Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &carrier, Verifier: v},
		QueryInCacheKey: true, Answers: playlist.AnswerCache{MaxBytes: 1 << 20, Revalidate: time.Minute}, Now: clock}
	require.NoError(t, h.Validate())
	cf := hlstest.NewUnstartedCloudFront(s3)
	cf.Keys = []hlstest.Key{key}
	cf.Now = clock
	cf.Behaviors = []hlstest.Behavior{{PathPattern: "*.m3u8", Origin: h, Query: hlstest.ForwardAll(),
		Cache: &hlstest.CachePolicy{MaxTTL: time.Hour, QueryStrings: hlstest.ForwardAll()}}}
	cf.Start()
	t.Cleanup(cf.Close)

	// Two viewers of the same presentation, signed for different expiries.
	type viewer struct{ url, own string }
	var viewers []viewer
	for _, expires := range []time.Time{t0.Add(10 * time.Minute), t0.Add(2 * time.Hour)} {
		creds, err := s.Credentials(policy.New(cf.URL+"/movies/1/*", expires))
		require.NoError(t, err)
		viewers = append(viewers, viewer{url: cf.URL + "/movies/1/master.m3u8?" + creds.Encode() + "&" + carrier.Encode(creds), own: creds.Encode()})
	}
	get := func(u string) (*http.Response, string) {
		resp, err := cf.Client().Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	for round, want := range []string{"Miss from cloudfront", "Hit from cloudfront"} {
		for i, vw := range viewers {
			resp, body := get(vw.url)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, want, resp.Header.Get("X-Cache"), "round %d viewer %d", round, i)
			assert.Contains(t, body, "?"+vw.own+"&", "round %d: viewer %d gets their own credentials", round, i)
			assert.NotContains(t, body, viewers[1-i].own, "round %d: viewer %d never gets the other's", round, i)
		}
	}
	st := cf.Stats().Behaviors["*.m3u8"]
	assert.Equal(t, int64(2), st.OriginRequests, "one origin request per viewer: answers told apart by the carried copies")

	now.Store(t0.Add(11 * time.Minute).Unix()) // the first viewer's credentials expired
	resp, body := get(viewers[0].url)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "refused although the answer is cached")
	assert.False(t, strings.Contains(body, "#EXTM3U"), "no playlist in the refusal")
	resp, body = get(viewers[1].url)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"), "the other viewer still hits")
	assert.Equal(t, int64(2), cf.Stats().Behaviors["*.m3u8"].OriginRequests)
}
