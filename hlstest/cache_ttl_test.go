package hlstest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCachePolicyTTL checks the expiration table: each origin answer against
// a policy with MinTTL 0 and one with MinTTL 30 s (DefaultTTL 60 s, MaxTTL 1 h
// for both).
func TestCachePolicyTTL(t *testing.T) {
	min0 := (&CachePolicy{DefaultTTL: time.Minute, MaxTTL: time.Hour}).normalized()
	min30 := (&CachePolicy{MinTTL: 30 * time.Second, DefaultTTL: time.Minute, MaxTTL: time.Hour}).normalized()
	now := t0
	cases := []struct {
		name        string
		status      int
		header      http.Header
		min0, min30 time.Duration
	}{
		{name: "no caching headers: DefaultTTL", header: http.Header{}, min0: time.Minute, min30: time.Minute},
		{name: "max-age below MinTTL", header: cc("max-age=10"), min0: 10 * time.Second, min30: 30 * time.Second},
		{name: "max-age between MinTTL and MaxTTL", header: cc("public, max-age=600"), min0: 10 * time.Minute, min30: 10 * time.Minute},
		{name: "max-age above MaxTTL", header: cc("max-age=7200"), min0: time.Hour, min30: time.Hour},
		{name: "max-age=0", header: cc("max-age=0"), min0: 0, min30: 30 * time.Second},
		{name: "directive names are case-insensitive", header: cc("Max-Age=20"), min0: 20 * time.Second, min30: 30 * time.Second},
		{name: "s-maxage wins over max-age", header: cc("max-age=5, s-maxage=45"), min0: 45 * time.Second, min30: 45 * time.Second},
		{name: "s-maxage below MinTTL", header: cc("s-maxage=20, max-age=600"), min0: 20 * time.Second, min30: 30 * time.Second},
		{name: "s-maxage above MaxTTL", header: cc("s-maxage=86400"), min0: time.Hour, min30: time.Hour},
		{name: "no-store: MinTTL", header: cc("no-store"), min0: 0, min30: 30 * time.Second},
		{name: "no-cache: MinTTL", header: cc("no-cache"), min0: 0, min30: 30 * time.Second},
		{name: "private: MinTTL", header: cc("private"), min0: 0, min30: 30 * time.Second},
		{name: "private, max-age: MinTTL", header: cc("private, max-age=600"), min0: 0, min30: 30 * time.Second},
		{name: "private, no-cache (the playlist handler's default)", header: cc("private, no-cache"), min0: 0, min30: 30 * time.Second},
		{name: `no-cache="Set-Cookie" names a field: max-age applies`, header: cc(`no-cache="Set-Cookie", max-age=100`), min0: 100 * time.Second, min30: 100 * time.Second},
		{name: "two Cache-Control fields", header: http.Header{"Cache-Control": {"public", "max-age=40"}}, min0: 40 * time.Second, min30: 40 * time.Second},
		{name: "invalid max-age is ignored", header: cc("max-age=soon"), min0: time.Minute, min30: time.Minute},
		{name: "negative max-age is ignored", header: cc("max-age=-5"), min0: time.Minute, min30: time.Minute},
		{name: "Expires in two minutes", header: http.Header{"Expires": {now.Add(2 * time.Minute).Format(http.TimeFormat)}}, min0: 2 * time.Minute, min30: 2 * time.Minute},
		{name: "Expires beyond MaxTTL", header: http.Header{"Expires": {now.Add(48 * time.Hour).Format(http.TimeFormat)}}, min0: time.Hour, min30: time.Hour},
		{name: "Expires in the past", header: http.Header{"Expires": {now.Add(-time.Hour).Format(http.TimeFormat)}}, min0: 0, min30: 30 * time.Second},
		{name: "invalid Expires means expired", header: http.Header{"Expires": {"0"}}, min0: 0, min30: 30 * time.Second},
		{name: "max-age wins over Expires", header: http.Header{"Cache-Control": {"max-age=50"}, "Expires": {now.Add(48 * time.Hour).Format(http.TimeFormat)}}, min0: 50 * time.Second, min30: 50 * time.Second},
		{name: "redirect 302 like 200", status: http.StatusFound, header: cc("max-age=90"), min0: 90 * time.Second, min30: 90 * time.Second},
		{name: "204 is not stored", status: http.StatusNoContent, header: cc("max-age=90")},
		{name: "206 is not stored", status: http.StatusPartialContent, header: cc("max-age=90")},
		{name: "304 is not stored", status: http.StatusNotModified, header: cc("max-age=90")},
		{name: "404: error caching minimum TTL", status: http.StatusNotFound, header: http.Header{}, min0: 10 * time.Second, min30: 10 * time.Second},
		{name: "404 with a longer max-age", status: http.StatusNotFound, header: cc("max-age=60"), min0: time.Minute, min30: time.Minute},
		{name: "404 with a shorter max-age", status: http.StatusNotFound, header: cc("max-age=3"), min0: 10 * time.Second, min30: 10 * time.Second},
		{name: "404 no-store", status: http.StatusNotFound, header: cc("no-store")},
		{name: "503: error caching minimum TTL", status: http.StatusServiceUnavailable, header: http.Header{}, min0: 10 * time.Second, min30: 10 * time.Second},
		{name: "403 without max-age is not stored", status: http.StatusForbidden, header: http.Header{}},
		{name: "403 with max-age", status: http.StatusForbidden, header: cc("max-age=20"), min0: 20 * time.Second, min30: 20 * time.Second},
		{name: "410 is not stored", status: http.StatusGone, header: cc("max-age=20")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			assert.Equal(t, tc.min0, min0.ttl(status, tc.header, now), "MinTTL 0")
			assert.Equal(t, tc.min30, min30.ttl(status, tc.header, now), "MinTTL 30s")
		})
	}
}

func cc(v string) http.Header { return http.Header{"Cache-Control": {v}} }

func TestCachePolicyErrorTTL(t *testing.T) {
	for _, tc := range []struct {
		name     string
		errorTTL time.Duration
		want     time.Duration
	}{
		{name: "zero is CloudFront's 10 s", want: 10 * time.Second},
		{name: "set", errorTTL: time.Minute, want: time.Minute},
		{name: "negative caches no error", errorTTL: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := (&CachePolicy{ErrorTTL: tc.errorTTL}).normalized()
			assert.Equal(t, tc.want, p.ttl(http.StatusNotFound, http.Header{}, t0))
		})
	}
}

func TestCachePolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    CachePolicy
		ok   bool
	}{
		{name: "zero value", p: CachePolicy{}, ok: true},
		{name: "CachingOptimized", p: *CachingOptimized(), ok: true},
		{name: "zero MaxTTL is a year", p: CachePolicy{DefaultTTL: 300 * 24 * time.Hour}, ok: true},
		{name: "DefaultTTL above a year without MaxTTL", p: CachePolicy{DefaultTTL: 400 * 24 * time.Hour}},
		{name: "MinTTL above DefaultTTL", p: CachePolicy{MinTTL: time.Minute, DefaultTTL: time.Second}},
		{name: "DefaultTTL above MaxTTL", p: CachePolicy{DefaultTTL: time.Hour, MaxTTL: time.Minute}},
		{name: "negative TTL", p: CachePolicy{MinTTL: -time.Second}},
		{name: "empty header name", p: CachePolicy{Headers: []string{""}}},
		{name: "header name with a colon", p: CachePolicy{Headers: []string{"Origin:"}}},
		{name: "header names", p: CachePolicy{Headers: []string{"origin", "X-Variant"}}, ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrCachePolicy)
		})
	}
}

func TestCachePolicyStartPanics(t *testing.T) {
	cf := NewUnstartedCloudFront(http.NotFoundHandler())
	cf.Behaviors = []Behavior{{PathPattern: "*.m3u8", Cache: &CachePolicy{MinTTL: time.Hour}}}
	assert.PanicsWithValue(t, `hlstest: CloudFront.Behaviors[0] ("*.m3u8").Cache: hlstest: invalid cache policy: MinTTL 1h0m0s is above DefaultTTL 0s`, cf.Start)
	cf = NewUnstartedCloudFront(http.NotFoundHandler())
	cf.Default.Cache = &CachePolicy{MaxTTL: -1}
	assert.Panics(t, cf.Start)
}

func TestCacheResultString(t *testing.T) {
	for c, want := range map[CacheResult]string{CacheNone: "", CacheMiss: "Miss", CacheHit: "Hit", CacheRefreshHit: "RefreshHit", 9: "CacheResult(9)"} {
		assert.Equal(t, want, c.String())
	}
}

func TestCacheControlParsing(t *testing.T) {
	d := parseCacheControl(http.Header{"Cache-Control": {` Public , MAX-AGE="30", ,=x, private="Set-Cookie"`}})
	assert.Equal(t, directives{"public": "", "max-age": "30", "private": "Set-Cookie"}, d)
	assert.False(t, d.noCache(), `private="..." names a field`)
	age, ok := d.seconds("max-age")
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, age)
	huge, ok := parseCacheControl(cc("max-age=99999999999")).seconds("max-age")
	assert.True(t, ok)
	assert.Equal(t, 100*365*24*time.Hour, huge, "capped at CloudFront's 100 years")
}
