package hlstest

import (
	"crypto"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// echoOrigin answers every request with what the origin saw (request URI,
// Cookie, X-Variant), under the Cache-Control it is given; it counts
// requests.
type echoOrigin struct {
	n            atomic.Int64
	cacheControl string
	status       int
}

func (o *echoOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := o.n.Add(1)
	if o.cacheControl != "" {
		w.Header().Set("Cache-Control", o.cacheControl)
	}
	w.Header().Set("Set-Cookie", fmt.Sprintf("session=%d", n))
	if o.status != 0 {
		w.WriteHeader(o.status)
	}
	fmt.Fprintf(w, "#%d %s cookie=%q variant=%q", n, r.RequestURI, r.Header.Get("Cookie"), r.Header.Get("X-Variant"))
}

// cacheFixture is newFixture with a cache policy on the default behavior.
func cacheFixture(t *testing.T, p *CachePolicy, origin http.Handler) (*cfFixture, *signer.Signer, policy.Policy) {
	t.Helper()
	fx := newFixture(t, func(cf *CloudFront) {
		cf.Default.Cache = p
		cf.Default.Query = ForwardAll()
		if origin != nil {
			cf.Origin = origin
		}
	})
	return fx, newSigner(t, RSAKey(), crypto.SHA1), policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour))
}

func TestCloudFrontCacheMissHitAgeRefresh(t *testing.T) {
	fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Minute}, nil)
	c := fx.cf.Client()
	master := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", pol)

	resp, first := get(t, c, master)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))
	assert.Empty(t, resp.Header.Get("Age"))
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag, "the S3 origin gives validators")

	fx.clock.Set(t0.Add(30 * time.Second))
	resp, body := get(t, c, master)
	assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"))
	assert.Equal(t, "30", resp.Header.Get("Age"))
	assert.Equal(t, first, body)
	assert.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
	assert.Equal(t, etag, resp.Header.Get("ETag"))
	assert.Equal(t, "AmazonS3", resp.Header.Get("Server"), "the origin's headers are stored")
	assert.Equal(t, via, resp.Header.Get("Via"))
	assert.NotEmpty(t, resp.Header.Get("X-Amz-Cf-Id"))

	fx.clock.Set(t0.Add(61 * time.Second)) // expired: revalidated with If-None-Match, 304
	resp, body = get(t, c, master)
	assert.Equal(t, "RefreshHit from cloudfront", resp.Header.Get("X-Cache"))
	assert.Equal(t, "0", resp.Header.Get("Age"))
	assert.Equal(t, first, body)

	fx.clock.Set(t0.Add(100 * time.Second)) // fresh again until 121 s
	resp, _ = get(t, c, master)
	assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"))
	assert.Equal(t, "39", resp.Header.Get("Age"))

	var results []CacheResult
	var origin []string
	for _, e := range fx.cf.Log() {
		results, origin = append(results, e.Cache), append(origin, e.OriginURI)
	}
	assert.Equal(t, []CacheResult{CacheMiss, CacheHit, CacheRefreshHit, CacheHit}, results)
	assert.Equal(t, []string{"/movies/1/master.m3u8", "", "/movies/1/master.m3u8", ""}, origin)
	assert.Contains(t, fx.cf.Log()[1].String(), "allowed by url, cache Hit")

	st := fx.cf.Stats()
	assert.Equal(t, BehaviorStats{Requests: 4, OriginRequests: 2, OriginBytes: int64(len(first)), Hits: 2, RefreshHits: 1, Misses: 1},
		st.Behaviors[DefaultPathPattern])
	assert.Equal(t, st.Behaviors[DefaultPathPattern], st.Total())
}

// TestCloudFrontCacheChecksCredentialsFirst: a cached answer is never served
// to a viewer without valid credentials.
func TestCloudFrontCacheChecksCredentialsFirst(t *testing.T) {
	fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour, MaxTTL: time.Hour}, nil)
	c := fx.cf.Client()
	master := fx.cf.URL + "/movies/1/master.m3u8"
	signed := mustSignURL(t, s, master, pol)
	resp, cachedBody := get(t, c, signed)
	require.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))
	resp, _ = get(t, c, signed)
	require.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"), "a cached answer exists")

	shortLived := mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Minute)))
	expiredCookies := mustCookies(t, s, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Minute)))
	fx.clock.Set(t0.Add(2 * time.Minute)) // the answer is still fresh; shortLived is not
	cases := []struct {
		name    string
		url     string
		cookies []*http.Cookie
		reason  error
	}{
		{name: "expired signed URL", url: shortLived, reason: signer.ErrExpired},
		{name: "expired signed cookies", url: master, cookies: expiredCookies, reason: signer.ErrExpired},
		{name: "tampered signature", url: editParam(signed, "Signature", flip(rawParam(signed, "Signature")), false), reason: signer.ErrBadSignature},
		{name: "no credentials", url: master, reason: signer.ErrMissingKeyPairID},
		{name: "signed for another directory", url: strings.Replace(mustSignURL(t, s, fx.cf.URL+"/movies/10/master.m3u8",
			policy.New(fx.cf.URL+"/movies/10/*", t0.Add(time.Hour))), "/movies/10/", "/movies/1/", 1), reason: signer.ErrResource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, tc.url, tc.cookies...)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Equal(t, "Error from cloudfront", resp.Header.Get("X-Cache"))
			assert.Empty(t, resp.Header.Get("Age"))
			assert.NotEqual(t, cachedBody, body)
			assert.Contains(t, body, "<Code>AccessDenied</Code>")
			e := lastEntry(t, fx.cf)
			assert.ErrorIs(t, e.Err, tc.reason)
			assert.Equal(t, CacheNone, e.Cache)
			assert.Empty(t, e.OriginURI)
		})
	}

	resp, body := get(t, c, mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(3*time.Hour))))
	assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"), "other valid credentials share the answer, as on CloudFront")
	assert.Equal(t, cachedBody, body)
	st := fx.cf.Stats().Total()
	assert.Equal(t, int64(len(cases)), st.Refused)
	assert.Equal(t, int64(1), st.OriginRequests)
	assert.Equal(t, int64(2), st.Hits)
}

func TestCloudFrontCacheAnswers(t *testing.T) {
	t.Run("HEAD is answered from a GET answer, and not stored", func(t *testing.T) {
		origin := &echoOrigin{cacheControl: "max-age=60"}
		fx, s, pol := cacheFixture(t, &CachePolicy{}, origin)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/a.ts", pol)
		head := func() *http.Response {
			resp, err := fx.cf.Client().Head(u)
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		assert.Equal(t, "Miss from cloudfront", head().Header.Get("X-Cache"))
		assert.Equal(t, "Miss from cloudfront", head().Header.Get("X-Cache"))
		_, body := get(t, fx.cf.Client(), u)
		resp := head()
		assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"))
		assert.Equal(t, int64(len(body)), resp.ContentLength)
		assert.Equal(t, int64(3), origin.n.Load())
	})
	t.Run("Range and If-None-Match on a hit", func(t *testing.T) {
		fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour}, nil)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", pol)
		resp, full := get(t, fx.cf.Client(), u)
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		req.Header.Set("Range", "bytes=0-6")
		resp2, err := fx.cf.Client().Do(req)
		require.NoError(t, err)
		resp2.Body.Close()
		assert.Equal(t, http.StatusPartialContent, resp2.StatusCode)
		assert.Equal(t, "Hit from cloudfront", resp2.Header.Get("X-Cache"))
		assert.Equal(t, fmt.Sprintf("bytes 0-6/%d", len(full)), resp2.Header.Get("Content-Range"))
		req.Header.Del("Range")
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp3, err := fx.cf.Client().Do(req)
		require.NoError(t, err)
		resp3.Body.Close()
		assert.Equal(t, http.StatusNotModified, resp3.StatusCode)
		assert.Equal(t, "Hit from cloudfront", resp3.Header.Get("X-Cache"))
		assert.Equal(t, int64(1), fx.cf.Stats().Total().OriginRequests)
	})
	t.Run("404 is cached for the error caching minimum TTL", func(t *testing.T) {
		fx, s, pol := cacheFixture(t, &CachePolicy{}, nil)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/missing.ts", pol)
		for i, want := range []string{"Error from cloudfront", "Error from cloudfront"} {
			resp, body := get(t, fx.cf.Client(), u)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			assert.Equal(t, want, resp.Header.Get("X-Cache"))
			assert.Contains(t, body, "NoSuchKey", i)
		}
		assert.Equal(t, []CacheResult{CacheMiss, CacheHit}, []CacheResult{fx.cf.Log()[0].Cache, fx.cf.Log()[1].Cache})
		fx.clock.Set(t0.Add(11 * time.Second))
		get(t, fx.cf.Client(), u)
		assert.Equal(t, CacheMiss, lastEntry(t, fx.cf).Cache)
	})
	t.Run("an answer cut short is not stored", func(t *testing.T) {
		var n atomic.Int64
		short := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			n.Add(1)
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("only ten b"))
		})
		fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour}, short)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/a.ts", pol)
		for range 2 {
			resp, err := fx.cf.Client().Get(u)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		assert.Equal(t, int64(2), n.Load())
	})
	t.Run("Set-Cookie is not passed on without cookies in the key", func(t *testing.T) {
		fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour}, &echoOrigin{})
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", pol)
		for range 2 {
			resp, _ := get(t, fx.cf.Client(), u)
			assert.Empty(t, resp.Header.Values("Set-Cookie"))
		}
	})
	t.Run("private is not cached with MinTTL 0", func(t *testing.T) {
		origin := &echoOrigin{cacheControl: "private, no-cache"}
		fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour}, origin)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", pol)
		for range 3 {
			resp, _ := get(t, fx.cf.Client(), u)
			assert.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))
		}
		assert.Equal(t, int64(3), origin.n.Load())
	})
	t.Run("CORS headers follow each viewer, not the cached answer", func(t *testing.T) {
		fx := newFixture(t, func(cf *CloudFront) {
			cf.Default.Cache = &CachePolicy{DefaultTTL: time.Hour}
			cf.Default.CORS = &CORS{AllowOrigins: []string{"https://a.example", "https://b.example"}}
		})
		s := newSigner(t, RSAKey(), crypto.SHA1)
		u := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
		for _, o := range []string{"https://a.example", "https://b.example"} {
			req, err := http.NewRequest(http.MethodGet, u, nil)
			require.NoError(t, err)
			req.Header.Set("Origin", o)
			resp, err := fx.cf.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, o, resp.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, []string{"Origin"}, resp.Header.Values("Vary"))
		}
		assert.Equal(t, CacheHit, lastEntry(t, fx.cf).Cache)
	})
}

func TestCloudFrontCacheBoundAndInvalidate(t *testing.T) {
	origin := &echoOrigin{cacheControl: "max-age=600"}
	fx, s, pol := cacheFixture(t, &CachePolicy{}, origin)
	fx.cf.Close()
	cf := NewUnstartedCloudFront(origin)
	cf.Domain, cf.Now, cf.Keys = testDomain, fx.clock.Now, []Key{RSAKey()}
	cf.Default.Cache = &CachePolicy{}
	cf.CacheSize = 300 // about three answers
	cf.Start()
	t.Cleanup(cf.Close)
	fetch := func(name string) string {
		resp, _ := get(t, cf.Client(), mustSignURL(t, s, cf.URL+"/movies/1/"+name, pol))
		return resp.Header.Get("X-Cache")
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		require.Equal(t, "Miss from cloudfront", fetch(n))
	}
	assert.Equal(t, "Hit from cloudfront", fetch("e"))
	assert.Equal(t, "Miss from cloudfront", fetch("a"), "evicted, least recently used")
	assert.LessOrEqual(t, cf.cache.size, cf.CacheSize)
	assert.Equal(t, 0, cf.Invalidate("/movies/2/*"))
	assert.Positive(t, cf.Invalidate("/movies/1/*"))
	assert.Equal(t, "Miss from cloudfront", fetch("e"))
}

func TestCloudFrontStatsWithoutCache(t *testing.T) {
	fx := newFixture(t)
	assert.Empty(t, NewUnstartedCloudFront(nil).Stats().Behaviors, "before Start")
	s := newSigner(t, RSAKey(), crypto.SHA1)
	u := mustSignURL(t, s, fx.cf.URL+"/movies/1/master.m3u8", policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	for range 2 {
		resp, _ := get(t, fx.cf.Client(), u)
		assert.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))
		assert.Empty(t, resp.Header.Get("Age"))
	}
	get(t, fx.cf.Client(), fx.cf.URL+"/public/hello.txt")
	get(t, fx.cf.Client(), fx.cf.URL+"/movies/1/master.m3u8")
	st := fx.cf.Stats()
	assert.Equal(t, int64(3), st.Behaviors[DefaultPathPattern].Requests)
	assert.Equal(t, int64(1), st.Behaviors[DefaultPathPattern].Refused)
	assert.Equal(t, int64(2), st.Behaviors[DefaultPathPattern].OriginRequests)
	assert.Equal(t, BehaviorStats{Requests: 1, OriginRequests: 1, OriginBytes: 5}, st.Behaviors["/public/*"])
	assert.Zero(t, st.Total().Hits+st.Total().Misses)
	for _, e := range fx.cf.Log() {
		assert.Equal(t, CacheNone, e.Cache)
	}
}

func TestCloudFrontCacheConcurrent(t *testing.T) {
	origin := &echoOrigin{cacheControl: "max-age=60"}
	fx, s, pol := cacheFixture(t, &CachePolicy{}, origin)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := mustSignURL(t, s, fmt.Sprintf("%s/movies/1/%d.ts", fx.cf.URL, i%4), pol)
			resp, _ := get(t, fx.cf.Client(), u)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		}()
	}
	wg.Wait()
	st := fx.cf.Stats().Total()
	assert.Equal(t, int64(40), st.Hits+st.Misses)
	assert.Equal(t, st.Misses, origin.n.Load())
	assert.GreaterOrEqual(t, st.Misses, int64(4))
}
