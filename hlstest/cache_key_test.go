package hlstest

import (
	"crypto"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

// TestCloudFrontCacheKey: which parts of a request tell cached answers
// apart. Each case makes two requests; the second hits or misses.
func TestCloudFrontCacheKey(t *testing.T) {
	base := &CachePolicy{DefaultTTL: time.Hour, MaxTTL: time.Hour}
	with := func(f func(*CachePolicy)) *CachePolicy { p := *base; f(&p); return &p }
	cookie := func(name, value string) *http.Cookie { return &http.Cookie{Name: name, Value: value} }
	type req struct {
		query   string
		header  string
		cookies []*http.Cookie
	}
	cases := []struct {
		name        string
		policy      *CachePolicy
		first, then req
		hit         bool
		sawSecond   string // a substring of what the origin saw on a miss
	}{
		{name: "no query string in the key", policy: base, first: req{query: "a=1"}, then: req{query: "a=2"}, hit: true},
		{name: "listed query string differs", policy: with(func(p *CachePolicy) { p.QueryStrings = ForwardOnly("a") }),
			first: req{query: "a=1"}, then: req{query: "a=2"}, sawSecond: "?a=2"},
		{name: "unlisted query string ignored", policy: with(func(p *CachePolicy) { p.QueryStrings = ForwardOnly("a") }),
			first: req{query: "a=1&b=1"}, then: req{query: "a=1&b=2"}, hit: true},
		{name: "all query strings: order matters", policy: with(func(p *CachePolicy) { p.QueryStrings = ForwardAll() }),
			first: req{query: "a=1&b=2"}, then: req{query: "b=2&a=1"}, sawSecond: "?b=2&a=1"},
		{name: "all query strings: case matters", policy: with(func(p *CachePolicy) { p.QueryStrings = ForwardAll() }),
			first: req{query: "a=x"}, then: req{query: "a=X"}},
		{name: "header in the key differs", policy: with(func(p *CachePolicy) { p.Headers = []string{"x-variant"} }),
			first: req{header: "one"}, then: req{header: "two"}, sawSecond: `variant="two"`},
		{name: "header not in the key", policy: base, first: req{header: "one"}, then: req{header: "two"}, hit: true},
		{name: "cookie in the key differs, and reaches the origin", policy: with(func(p *CachePolicy) { p.Cookies = []string{"lang"} }),
			first: req{cookies: []*http.Cookie{cookie("lang", "en")}}, then: req{cookies: []*http.Cookie{cookie("lang", "fr"), cookie("other", "x")}},
			sawSecond: `cookie="lang=fr"`},
		{name: "cookie not in the key", policy: base,
			first: req{cookies: []*http.Cookie{cookie("lang", "en")}}, then: req{cookies: []*http.Cookie{cookie("lang", "fr")}}, hit: true},
		{name: "all cookies: sorted by name", policy: with(func(p *CachePolicy) { p.AllCookies = true }),
			first: req{cookies: []*http.Cookie{cookie("a", "1"), cookie("b", "2")}}, then: req{cookies: []*http.Cookie{cookie("b", "2"), cookie("a", "1")}}, hit: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			origin := &echoOrigin{}
			fx, s, pol := cacheFixture(t, tc.policy, origin)
			do := func(r req) (*http.Response, string) {
				u := fx.cf.URL + "/movies/1/master.m3u8"
				if r.query != "" {
					u += "?" + r.query
				}
				httpReq, err := http.NewRequest(http.MethodGet, mustSignURL(t, s, u, pol), nil)
				require.NoError(t, err)
				if r.header != "" {
					httpReq.Header.Set("X-Variant", r.header)
				}
				for _, ck := range r.cookies {
					httpReq.AddCookie(ck)
				}
				resp, err := fx.cf.Client().Do(httpReq)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp, string(b)
			}
			_, _ = do(tc.first)
			resp, body := do(tc.then)
			if tc.hit {
				assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"))
				assert.Equal(t, int64(1), origin.n.Load())
				return
			}
			assert.Equal(t, "Miss from cloudfront", resp.Header.Get("X-Cache"))
			assert.Equal(t, int64(2), origin.n.Load())
			assert.Contains(t, body, tc.sawSecond)
			assert.NotContains(t, body, "Signature", "no signing parameter reaches the origin")
		})
	}
}

// TestCloudFrontCacheKeyLeavesCredentialsOut: signed URLs and signed cookies
// with different credentials share one cached answer, even when the key
// takes every query string and cookie, and no credential reaches the origin.
func TestCloudFrontCacheKeyLeavesCredentialsOut(t *testing.T) {
	origin := &echoOrigin{}
	fx, s, pol := cacheFixture(t, &CachePolicy{DefaultTTL: time.Hour, QueryStrings: ForwardAll(), AllCookies: true}, origin)
	c := fx.cf.Client()
	master := fx.cf.URL + "/movies/1/master.m3u8"
	other := policy.New(fx.cf.URL+"/movies/*", t0.Add(2*time.Hour))
	sha256 := newSigner(t, ECDSAKey(), crypto.SHA256)

	_, body := get(t, c, mustSignURL(t, s, master, pol))
	assert.Equal(t, `#1 /movies/1/master.m3u8 cookie="" variant=""`, body)
	for _, try := range []struct {
		url     string
		cookies []*http.Cookie
	}{
		{url: mustSignURL(t, s, master, other)},
		{url: mustSignURL(t, sha256, master, pol)},
		{url: master, cookies: mustCookies(t, s, pol)},
		{url: master, cookies: mustCookies(t, sha256, other)},
	} {
		resp, again := get(t, c, try.url, try.cookies...)
		assert.Equal(t, "Hit from cloudfront", resp.Header.Get("X-Cache"), try.url)
		assert.Equal(t, body, again)
	}
	assert.Equal(t, int64(1), origin.n.Load())
}
