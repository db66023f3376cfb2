package signer_test

import (
	"bytes"
	"errors"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

// TestSignHandlerValidate: every configuration that cannot work is an
// ErrConfig naming the field at fault, and a Handler built that way answers
// 500 with the reason logged; configurations that work pass.
func TestSignHandlerValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(h *signer.Handler)
		want []string // what the error names; none for a valid configuration
	}{
		{"the test handler", func(*signer.Handler) {}, nil},
		{"nil Authorize: fails closed, valid", func(h *signer.Handler) { h.Authorize = nil }, nil},
		{"plain http", func(h *signer.Handler) { h.Playlist = "http://localhost:8080/movies/{id}/index.m3u8" }, nil},
		{"{id} in the query", func(h *signer.Handler) { h.Playlist = cdn + "/play.m3u8?title={id}&v=2" }, nil},
		{"{id} in the file name", func(h *signer.Handler) { h.Playlist = cdn + "/movies/{id}.m3u8" }, nil},
		{"percent-encoded", func(h *signer.Handler) { h.Playlist = cdn + "/my%20movies/{id}/index.m3u8" }, nil},
		{"TTL and Bucket", func(h *signer.Handler) { h.TTL, h.Bucket = time.Hour, time.Minute }, nil},
		{"FormatJSON", func(h *signer.Handler) { h.Format = signer.FormatJSON }, nil},
		{"FormatRedirect", func(h *signer.Handler) { h.Format = signer.FormatRedirect }, nil},
		{"FormatCookies with a listed origin", func(h *signer.Handler) { h.Format = signer.FormatCookies }, nil},
		{"FormatCookies with a listed origin beside *", func(h *signer.Handler) {
			h.Format, h.AllowOrigins = signer.FormatCookies, []string{"*", "https://player.example"}
		}, nil},
		{"FormatCookies without CORS", func(h *signer.Handler) { h.Format, h.AllowOrigins = signer.FormatCookies, nil }, nil},
		{"* with FormatJSON", func(h *signer.Handler) { h.AllowOrigins = []string{"*"} }, nil},

		{"nil Signer", func(h *signer.Handler) { h.Signer = nil }, []string{"Handler.Signer is nil"}},
		{"empty Playlist", func(h *signer.Handler) { h.Playlist = "" }, []string{"Handler.Playlist is empty", "{id}"}},
		{"Playlist with a star", func(h *signer.Handler) { h.Playlist = cdn + "/movies/*/{id}/index.m3u8" },
			[]string{"Handler.Playlist", "holds '*'", "%2A"}},
		{"Playlist without {id}", func(h *signer.Handler) { h.Playlist = cdn + "/movies/index.m3u8" },
			[]string{"Handler.Playlist", "has no {id}"}},
		{"Playlist with {id} in its fragment only", func(h *signer.Handler) { h.Playlist = cdn + "/movies/index.m3u8#{id}" },
			[]string{"Handler.Playlist", "has no {id} outside its fragment"}},
		{"Playlist with {ID}", func(h *signer.Handler) { h.Playlist = cdn + "/movies/{ID}/index.m3u8" },
			[]string{"Handler.Playlist", "has no {id}"}},
		{"relative Playlist", func(h *signer.Handler) { h.Playlist = "/movies/{id}/index.m3u8" },
			[]string{"Handler.Playlist \"/movies/{id}/index.m3u8\" is not an absolute http or https URL"}},
		{"Playlist without a scheme", func(h *signer.Handler) { h.Playlist = "d111111abcdef8.cloudfront.net/movies/{id}/index.m3u8" },
			[]string{"Handler.Playlist", "not an absolute http or https URL"}},
		{"ftp Playlist", func(h *signer.Handler) { h.Playlist = "ftp://example.com/movies/{id}/index.m3u8" },
			[]string{"Handler.Playlist", "not an absolute http or https URL"}},
		{"{id} in the host", func(h *signer.Handler) { h.Playlist = "https://{id}.cloudfront.net/index.m3u8" },
			[]string{"Handler.Playlist", "is not a URL", "invalid character"}},
		{"{id} in user information", func(h *signer.Handler) { h.Playlist = "https://{id}@d111111abcdef8.cloudfront.net/index.m3u8" },
			[]string{"Handler.Playlist", "is not a URL", "invalid userinfo"}},
		{"user information", func(h *signer.Handler) {
			h.Playlist = "https://viewer@d111111abcdef8.cloudfront.net/movies/{id}/index.m3u8"
		},
			[]string{"Handler.Playlist", "user information"}},
		{"Playlist already signed", func(h *signer.Handler) { h.Playlist = cdn + "/movies/{id}/index.m3u8?Key-Pair-Id=K1&Policy=x" },
			[]string{"Handler.Playlist", "carries CloudFront signing parameters (Key-Pair-Id, Policy)"}},
		{"Playlist with a space", func(h *signer.Handler) { h.Playlist = cdn + "/my movies/{id}/index.m3u8" },
			[]string{"Handler.Playlist", "is not covered by the policy for its directory", "percent-encoded"}},
		{"Playlist with a non-ASCII host", func(h *signer.Handler) { h.Playlist = "https://vidéo.example/{id}/index.m3u8" },
			[]string{"Handler.Playlist", "makes no valid policy", "non-ASCII"}},
		{"negative TTL", func(h *signer.Handler) { h.TTL = -time.Hour },
			[]string{"Handler.TTL is negative (-1h0m0s)", "DefaultTTL"}},
		{"negative Bucket", func(h *signer.Handler) { h.Bucket = -time.Minute },
			[]string{"Handler.Bucket is negative (-1m0s)", "DefaultBucket"}},
		{"unknown Format", func(h *signer.Handler) { h.Format = "xml" },
			[]string{`Handler.Format is "xml"`, "FormatJSON, FormatRedirect or FormatCookies"}},
		{"Format in capitals", func(h *signer.Handler) { h.Format = "JSON" }, []string{`Handler.Format is "JSON"`}},
		{"FormatCookies with * alone", func(h *signer.Handler) {
			h.Format, h.AllowOrigins = signer.FormatCookies, []string{"*"}
		}, []string{`Handler.AllowOrigins is only "*"`, "FormatCookies", "list the player's origins"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := signHandler(t)
			tc.set(h)
			err := h.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				for _, format := range []string{"json", "redirect", "cookies"} {
					w := serve(h, "GET", "/sign?id=a/b-1.x&format="+format, nil)
					assert.Less(t, w.Code, 500, "%s: %s", format, w.Body.String())
				}
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, signer.ErrConfig)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}

			var logged bytes.Buffer
			h.ErrorLog = log.New(&logged, "", 0)
			w := serve(h, "GET", "/sign?id=1", nil)
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.JSONEq(t, `{"error":"sign endpoint misconfigured"}`, w.Body.String())
			assert.Contains(t, logged.String(), err.Error())
		})
	}
}

// TestSignHandlerMisconfigured: a Handler that fails Validate answers every
// request 500 (each format, preflights, other methods, bad identifiers) in
// the endpoint's JSON error style with Cache-Control: no-store, logs the
// reason once per request, and never asks Authorize nor signs.
func TestSignHandlerMisconfigured(t *testing.T) {
	key := &countingKey{Signer: testRSAKey(t)} // signer_test.go
	s, err := signer.New("K2JCJMDEHXQW5F", key)
	require.NoError(t, err)
	var authorizeCalls atomic.Int32
	var logged bytes.Buffer
	h := &signer.Handler{
		Signer:   s,
		Playlist: cdn + "/movies/{id}/index.m3u8",
		Authorize: func(*http.Request, string) (signer.Grant, error) {
			authorizeCalls.Add(1)
			return signer.Grant{}, nil
		},
		TTL:          -time.Hour, // once the default, silently
		AllowOrigins: []string{"https://player.example"},
		ErrorLog:     log.New(&logged, "", 0),
		Now:          fixedClock,
	}
	requests := []struct{ name, method, target string }{
		{"json", "GET", "/sign?id=1"},
		{"redirect", "GET", "/sign?id=1&format=redirect"},
		{"cookies", "GET", "/sign?id=1&format=cookies"},
		{"HEAD", "HEAD", "/sign?id=1"},
		{"bad id", "GET", "/sign?id=../x"},
		{"bad format", "GET", "/sign?id=1&format=xml"},
		{"preflight", "OPTIONS", "/sign?id=1"},
		{"POST", "POST", "/sign?id=1"},
	}
	for _, tc := range requests {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, tc.method, tc.target, map[string]string{"Origin": "https://player.example"})
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.JSONEq(t, `{"error":"sign endpoint misconfigured"}`, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "https://player.example", w.Header().Get("Access-Control-Allow-Origin"), "CORS on every answer")
			assert.Empty(t, w.Header().Get("Location"))
			assert.Empty(t, w.Result().Cookies())
		})
	}
	assert.Zero(t, authorizeCalls.Load(), "Authorize is never asked")
	assert.Zero(t, key.n.Load(), "nothing is signed")
	lines := strings.Split(strings.TrimSuffix(logged.String(), "\n"), "\n")
	assert.Len(t, lines, len(requests), "one log line per request:\n%s", logged.String())
	for _, line := range lines {
		assert.Equal(t, "sign: 500 sign endpoint misconfigured: signer: invalid configuration: "+
			"Handler.TTL is negative (-1h0m0s): set a positive duration, or zero for DefaultTTL (6h0m0s)", line)
	}
}

// TestSignHandlerValidatedOnce: concurrent first requests share one
// verdict, without a data race (run with -race).
func TestSignHandlerValidatedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ttl    time.Duration
		status int
	}{
		{"valid", time.Hour, http.StatusOK},
		{"invalid", -time.Hour, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := signHandler(t)
			h.TTL = tc.ttl
			var wg sync.WaitGroup
			codes := make([]int, 8)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = serve(h, "GET", "/sign?id=1", nil).Code
				}()
			}
			wg.Wait()
			for _, c := range codes {
				assert.Equal(t, tc.status, c)
			}
		})
	}
}

// TestSignHandlerErrConfig: callers can tell a configuration error from
// others, and read what to do.
func TestSignHandlerErrConfig(t *testing.T) {
	err := (&signer.Handler{}).Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, signer.ErrConfig))
	assert.Equal(t, "signer: invalid configuration: Handler.Signer is nil: the endpoint signs with it; set it (signer.New)", err.Error())
}
