package playlist_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestRemoteOriginHostAndPath: the upstream sees the target's Host header,
// not the viewer's, and the request path joined under the target's path.
func TestRemoteOriginHostAndPath(t *testing.T) {
	type seen struct{ host, path, query string }
	got := make(chan seen, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Host, r.URL.Path, r.URL.RawQuery}
	}))
	defer upstream.Close()
	for _, tc := range []struct {
		name, base, request string
		want                seen
	}{
		{"root", upstream.URL, "/movies/1/index.m3u8?v=1", seen{path: "/movies/1/index.m3u8", query: "v=1"}},
		{"under a prefix", upstream.URL + "/bucket/", "/movies/1/index.m3u8", seen{path: "/bucket/movies/1/index.m3u8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target, err := url.Parse(tc.base)
			require.NoError(t, err)
			r := httptest.NewRequest("GET", "https://d111111abcdef8.cloudfront.net"+tc.request, nil)
			w := httptest.NewRecorder()
			playlist.RemoteOrigin(target).ServeHTTP(w, r)
			require.Equal(t, http.StatusOK, w.Code)
			s := <-got
			assert.Equal(t, target.Host, s.host, "the target's Host, not the viewer's")
			assert.Equal(t, tc.want.path, s.path)
			assert.Equal(t, tc.want.query, s.query)
		})
	}
}
