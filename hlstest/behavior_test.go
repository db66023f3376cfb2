package hlstest

import (
	"crypto"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/", true},
		{"*", "/movies/1/master.m3u8", true},
		{"*.m3u8", "/movies/1/master.m3u8", true},
		{"*.m3u8", "/movies/1/master.m3u8x", false},
		{"*.m3u8", "/movies/1/seg.ts", false},
		{"*.M3U8", "/movies/1/master.m3u8", false},
		{"/movies/*", "/movies/1/seg.ts", true},
		{"movies/*", "/movies/1/seg.ts", true},
		{"/movies/*", "/moviesx/1/seg.ts", false},
		{"/movies/*", "/other/movies/1", false},
		{"/movies/?/*", "/movies/1/seg.ts", true},
		{"/movies/?/*", "/movies/10/seg.ts", false},
		{"/images/*.jpg", "/images/a/b.jpg", true},
		{"/images/*.jpg", "/images/a/b.png", false},
		{"/exact.txt", "/exact.txt", true},
		{"/exact.txt", "/exact.txt/", false},
	} {
		t.Run(tc.pattern+" "+tc.path, func(t *testing.T) {
			assert.Equal(t, tc.want, matchPath(tc.pattern, tc.path))
		})
	}
}

// named returns an origin that answers with its name and the request URI
// it saw.
func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.RequestURI)
	})
}

func TestBehaviorsFirstMatchWins(t *testing.T) {
	cf := NewUnstartedCloudFront(named("default"))
	cf.Default.Public = true
	cf.Behaviors = []Behavior{
		{PathPattern: "/live/*.m3u8", Origin: named("live-playlists"), Public: true},
		{PathPattern: "*.m3u8", Origin: named("playlists"), Public: true},
		{PathPattern: "/live/*", Origin: named("live"), Public: true},
		{PathPattern: "/signed/*"},
	}
	cf.Start()
	defer cf.Close()
	for _, tc := range []struct {
		path, origin, behavior string
		status                 int
	}{
		{"/live/a/index.m3u8", "live-playlists", "/live/*.m3u8", http.StatusOK},
		{"/vod/index.m3u8", "playlists", "*.m3u8", http.StatusOK},
		{"/live/a/seg.ts", "live", "/live/*", http.StatusOK},
		{"/vod/seg.ts", "default", "*", http.StatusOK},
		{"/signed/seg.ts", "", "/signed/*", http.StatusForbidden},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, cf.Client(), cf.URL+tc.path)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := lastEntry(t, cf)
			assert.Equal(t, tc.behavior, e.Behavior)
			if tc.origin != "" {
				assert.Equal(t, tc.origin+" "+tc.path, body)
			}
		})
	}
}

func TestBehaviorQueryForwarding(t *testing.T) {
	k := RSAKey()
	s := newSigner(t, k, crypto.SHA256)
	carrier := signer.Suffix("-PREFIX")
	clock := newTestClock(t0)
	cf := NewUnstartedCloudFront(named("s3"))
	cf.Domain, cf.Now, cf.Keys = testDomain, clock.Now, []Key{k}
	cf.Behaviors = []Behavior{
		{PathPattern: "/all/*", Origin: named("all"), Query: ForwardAll()},
		{PathPattern: "/only/*", Origin: named("only"), Query: ForwardOnly("v", "Policy-PREFIX", "Policy")},
		{PathPattern: "/none/*", Origin: named("none"), Query: ForwardNone()},
		{PathPattern: "/public/*", Origin: named("public"), Public: true, Query: ForwardAll()},
	}
	cf.Start()
	defer cf.Close()
	p := policy.New(cf.URL+"/*", t0.Add(time.Hour))
	creds, err := s.Credentials(p)
	require.NoError(t, err)
	carried := carrier.Encode(creds)

	for _, tc := range []struct {
		name, path, query, want string
	}{
		{name: "all keeps the viewer's parameters and the carried copies, in order",
			path: "/all/a.m3u8", query: "v=1&" + carried + "&x=%2F",
			want: "all /all/a.m3u8?v=1&" + carried + "&x=%2F"},
		{name: "all without viewer parameters", path: "/all/a.m3u8", want: "all /all/a.m3u8"},
		{name: "allow-list", path: "/only/a.m3u8", query: "x=1&v=2&" + carried,
			want: "only /only/a.m3u8?v=2&Policy-PREFIX=" + creds.Policy},
		{name: "none", path: "/none/a.ts", query: "v=1&" + carried, want: "none /none/a.ts"},
		{name: "default forwards none", path: "/elsewhere/a.ts", query: "v=1", want: "s3 /elsewhere/a.ts"},
		{name: "public behaviors strip signing parameters too", path: "/public/a.ts",
			query: "Expires=1&Signature=x&Key-Pair-Id=K&Hash-Algorithm=SHA256&Policy=p&keep=1", want: "public /public/a.ts?keep=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := cf.URL + tc.path
			if tc.query != "" {
				u += "?" + tc.query
			}
			if tc.path != "/public/a.ts" {
				sep := "?"
				if tc.query != "" {
					sep = "&"
				}
				u += sep + creds.Encode()
			}
			resp, body := get(t, cf.Client(), u)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, tc.want, body)
			e := lastEntry(t, cf)
			assert.Equal(t, u, e.URL)
			_, origURI, _ := strings.Cut(tc.want, " ")
			assert.Equal(t, origURI, e.OriginURI)
			assert.False(t, hasSigningParam(t, e.OriginURI))
		})
	}
}

func TestOriginRequestHeaders(t *testing.T) {
	var seen http.Header
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
	})
	cf := NewUnstartedCloudFront(origin)
	cf.Default.Public = true
	cf.Start()
	defer cf.Close()
	req, err := http.NewRequest(http.MethodGet, cf.URL+"/x", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: "CloudFront-Policy", Value: "p"})
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("X-Forwarded-For", "198.51.100.7") // a viewer's claim
	resp, err := cf.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.NotNil(t, seen)
	ip := lastEntry(t, cf).ClientIP.String()
	assert.Empty(t, seen.Get("Cookie"), "cookies are not forwarded")
	assert.Equal(t, "bytes=0-9", seen.Get("Range"))
	assert.Equal(t, "198.51.100.7, "+ip, seen.Get("X-Forwarded-For"), "CloudFront appends the address it saw")
	assert.True(t, strings.HasPrefix(seen.Get("CloudFront-Viewer-Address"), ip+":"), seen.Get("CloudFront-Viewer-Address"))
	assert.Contains(t, seen.Get("Via"), "CloudFront")
	assert.Equal(t, resp.Header.Get("X-Amz-Cf-Id"), seen.Get("X-Amz-Cf-Id"))
}
