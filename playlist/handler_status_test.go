package playlist_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// earlyHints sends 103 Early Hints with a Link header, then status with
// body, declaring length as its Content-Length when not zero.
func earlyHints(status int, body string, length int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</movies/1/low/seg-0.ts>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		if length > 0 {
			w.Header().Set("Content-Length", strconv.Itoa(length))
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// answering answers status with body.
func answering(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// remote serves upstream on 127.0.0.1 and returns a RemoteOrigin for it.
func remote(t *testing.T, upstream http.Handler) http.Handler {
	t.Helper()
	srv := httptest.NewServer(upstream)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return playlist.RemoteOrigin(u)
}

// TestHandlerOriginStatus drives a Handler behind a real net/http server (so
// that informational answers reach the wire) with origins answering every
// kind of status. Only the final status counts: a 103 Early Hints before a
// 200 is not the answer, so the viewer gets the rewritten playlist (never
// the origin's raw one as an implicit 200), and a 103 before a truncated 200
// is a 502. A 2xx other than 200 (201, 203, 204, 206) and a 304 are not a
// whole playlist to rewrite: 502, with no byte of the origin's body. 4xx
// pass through as before.
func TestHandlerOriginStatus(t *testing.T) {
	e := newEnv(t)
	carried := e.carrier.Encode(e.creds)
	rewritten := "seg-0.ts?" + e.creds.Encode()
	require.NotEmpty(t, e.creds.Encode())

	for _, tc := range []struct {
		name   string
		origin func(t *testing.T) http.Handler
		status int
		// body is what the answer must hold; rewritten means the
		// rewritten playlist, raw that no byte of the origin's body may
		// go out.
		body      string
		rewritten bool
	}{
		{"handler 200", func(*testing.T) http.Handler { return answering(http.StatusOK, media) },
			http.StatusOK, rewritten, true},
		{"handler 103 then 200", func(*testing.T) http.Handler { return earlyHints(http.StatusOK, media, 0) },
			http.StatusOK, rewritten, true},
		{"handler 103 then 200 cut short", func(*testing.T) http.Handler { return earlyHints(http.StatusOK, truncatedBody, 1000) },
			http.StatusBadGateway, "origin failed", false},
		{"remote 103 then 200", func(t *testing.T) http.Handler { return remote(t, earlyHints(http.StatusOK, media, 0)) },
			http.StatusOK, rewritten, true},
		{"remote 103 then 200 with Content-Length", func(t *testing.T) http.Handler {
			return remote(t, earlyHints(http.StatusOK, media, len(media)))
		}, http.StatusOK, rewritten, true},
		{"handler 201", func(*testing.T) http.Handler { return answering(http.StatusCreated, media) },
			http.StatusBadGateway, "origin failed", false},
		{"handler 203", func(*testing.T) http.Handler { return answering(http.StatusNonAuthoritativeInfo, media) },
			http.StatusBadGateway, "origin failed", false},
		{"handler 204", func(*testing.T) http.Handler { return answering(http.StatusNoContent, "") },
			http.StatusBadGateway, "origin failed", false},
		{"handler 206", func(*testing.T) http.Handler {
			return answering(http.StatusPartialContent, media[:40], "Content-Range", "bytes 0-39/"+strconv.Itoa(len(media)))
		}, http.StatusBadGateway, "origin failed", false},
		{"handler 304", func(*testing.T) http.Handler { return answering(http.StatusNotModified, "") },
			http.StatusBadGateway, "origin failed", false},
		{"remote 203", func(t *testing.T) http.Handler { return remote(t, answering(http.StatusNonAuthoritativeInfo, media)) },
			http.StatusBadGateway, "origin failed", false},
		{"remote 103 then 206", func(t *testing.T) http.Handler {
			return remote(t, earlyHints(http.StatusPartialContent, media, 0))
		}, http.StatusBadGateway, "origin failed", false},
		{"handler 404 passes through", func(*testing.T) http.Handler { return answering(http.StatusNotFound, "not here") },
			http.StatusNotFound, "not here", false},
		{"handler 103 then 404 passes through", func(*testing.T) http.Handler { return earlyHints(http.StatusNotFound, "not here", 0) },
			http.StatusNotFound, "not here", false},
		{"remote 403 passes through", func(t *testing.T) http.Handler { return remote(t, answering(http.StatusForbidden, "refused")) },
			http.StatusForbidden, "refused", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &playlist.Handler{Origin: tc.origin(t), Mode: playlist.ModePropagate, Propagate: playlist.Carried{Carrier: &e.carrier}, ErrorLog: quiet()}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			resp, err := srv.Client().Get(srv.URL + "/movies/1/low/index.m3u8?" + carried)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			body := string(b)

			assert.Equal(t, tc.status, resp.StatusCode, body)
			assert.Contains(t, body, tc.body)
			if tc.rewritten {
				assert.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
				assert.Empty(t, resp.Header.Get("Link"), "the early hint's header is not the answer's")
			} else {
				assert.NotContains(t, body, "seg-0.ts", "no byte of the origin's playlist")
				assert.False(t, strings.HasPrefix(body, "#EXTM3U"))
			}
		})
	}
}
