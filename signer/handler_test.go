package signer_test

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/signer"
)

func signHandler(t *testing.T) *signer.Handler {
	t.Helper()
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	carrier := signer.Suffix("-PREFIX")
	return &signer.Handler{
		Now:      fixedClock,
		Signer:   s,
		Playlist: cdn + "/movies/{id}/index.m3u8",
		Authorize: func(r *http.Request, id string) (signer.Grant, error) {
			if r.Header.Get("Authorization") != "Bearer viewer" {
				return signer.Grant{}, signer.ErrNotAuthorized
			}
			if id == "premium" {
				return signer.Grant{}, errors.New("viewer has no premium plan")
			}
			return signer.Grant{}, nil
		},
		Carrier:      &carrier,
		AllowOrigins: []string{"https://player.example"},
		ErrorLog:     log.New(io.Discard, "", 0),
	}
}

func serve(h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Authorization", "Bearer viewer")
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestSignHandlerJSON(t *testing.T) {
	h := signHandler(t)
	w := serve(h, "GET", "/sign?id=1", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var res struct {
		URL     string `json:"url"`
		Expires int64  `json:"expires"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	// 6 h after the clock, rounded up to 15 minutes.
	assert.Equal(t, int64(1850022000), res.Expires)
	assert.True(t, strings.HasPrefix(res.URL, cdn+"/movies/1/index.m3u8?Policy="), res.URL)

	v := testVerifier(t)
	verified, err := v.VerifyURL(res.URL, netip.Addr{}, now)
	require.NoError(t, err)
	assert.Equal(t, cdn+"/movies/1/*", verified.Policy.Resource)

	u, err := url.Parse(res.URL)
	require.NoError(t, err)
	carried, err := signer.Suffix("-PREFIX").Extract(u.Query())
	require.NoError(t, err)
	plain, err := signer.FromQuery(u.Query())
	require.NoError(t, err)
	assert.Equal(t, plain, carried)
}

func TestSignHandlerRedirectAndCookies(t *testing.T) {
	h := signHandler(t)
	w := serve(h, "GET", "/sign?id=1&format=redirect", nil)
	require.Equal(t, http.StatusFound, w.Code)
	loc := w.Header().Get("Location")
	assert.True(t, strings.HasPrefix(loc, cdn+"/movies/1/index.m3u8?"), loc)

	w = serve(h, "GET", "/sign?id=1&format=cookies", nil)
	require.Equal(t, http.StatusOK, w.Code)
	resp := w.Result()
	names := map[string]bool{}
	for _, c := range resp.Cookies() {
		names[c.Name] = true
		assert.True(t, c.Secure)
		assert.True(t, c.HttpOnly)
	}
	assert.Equal(t, map[string]bool{"CloudFront-Policy": true, "CloudFront-Signature": true, "CloudFront-Key-Pair-Id": true}, names)
	_, err := testVerifier(t).Verify(cdn+"/movies/1/seg-1.ts", resp.Cookies(), netip.Addr{}, now)
	assert.NoError(t, err)
	assert.Contains(t, w.Body.String(), `"url":"`+cdn+`/movies/1/index.m3u8"`)
}

func TestSignHandlerRefusals(t *testing.T) {
	h := signHandler(t)
	for _, tc := range []struct {
		name, method, target string
		hdr                  map[string]string
		status               int
		body                 string
	}{
		{"no id", "GET", "/sign", nil, 400, "id is missing"},
		{"traversal", "GET", "/sign?id=../secret", nil, 400, "'..'"},
		{"escaped traversal", "GET", "/sign?id=%2e%2e%2fsecret", nil, 400, "'..'"},
		{"deep traversal", "GET", "/sign?id=1/../../x", nil, 400, "'..'"},
		{"absolute URL", "GET", "/sign?id=https://evil.example/x", nil, 400, "not allowed"},
		{"protocol-relative", "GET", "/sign?id=//evil.example/x", nil, 400, "empty"},
		{"leading slash", "GET", "/sign?id=/etc/passwd", nil, 400, "empty"},
		{"query smuggling", "GET", "/sign?id=1%3Fx%3D1", nil, 400, "not allowed"},
		{"fragment", "GET", "/sign?id=1%23x", nil, 400, "not allowed"},
		{"backslash", "GET", "/sign?id=1%5C..%5Cx", nil, 400, "not allowed"},
		{"NUL", "GET", "/sign?id=1%00", nil, 400, "not allowed"},
		{"too long", "GET", "/sign?id=" + strings.Repeat("a", 257), nil, 400, "at most 256"},
		{"bad format", "GET", "/sign?id=1&format=xml", nil, 400, "use json, redirect or cookies"},
		{"POST", "POST", "/sign?id=1", nil, 405, "use GET"},
		{"anonymous", "GET", "/sign?id=1", map[string]string{"Authorization": ""}, 403, "not authorized"},
		{"not entitled", "GET", "/sign?id=premium", nil, 403, "not authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, tc.method, tc.target, tc.hdr)
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
			assert.NotContains(t, w.Body.String(), "premium plan", "reasons stay in the log")
			assert.Empty(t, w.Header().Get("Location"))
			assert.Empty(t, w.Result().Cookies())
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		})
	}
}

// TestSignHandlerFailsClosed: a nil Authorize is a valid configuration
// that refuses every request. (A Playlist without {id}, once a 500 per
// request, is a configuration error: see TestSignHandlerValidate.)
func TestSignHandlerFailsClosed(t *testing.T) {
	h := signHandler(t)
	h.Authorize = nil
	require.NoError(t, h.Validate())
	w := serve(h, "GET", "/sign?id=1", nil)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.JSONEq(t, `{"error":"not authorized"}`, w.Body.String())
	assert.Empty(t, w.Header().Get("Location"))
	assert.Empty(t, w.Result().Cookies())
}

func TestSignHandlerGrant(t *testing.T) {
	h := signHandler(t)
	h.Carrier = nil
	h.Authorize = func(*http.Request, string) (signer.Grant, error) {
		return signer.Grant{Scope: cdn + "/movies/*", TTL: time.Hour, SourceIP: netip.MustParsePrefix("192.0.2.0/24")}, nil
	}
	w := serve(h, "GET", "/sign?id=a/b-1.x", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var res struct{ URL string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	assert.NotContains(t, res.URL, "-PREFIX")
	v := testVerifier(t)
	got, err := v.VerifyURL(res.URL, netip.MustParseAddr("192.0.2.9"), now)
	require.NoError(t, err)
	assert.Equal(t, cdn+"/movies/*", got.Policy.Resource)
	assert.Equal(t, int64(1850004000), got.Policy.Expires.Unix())
	_, err = v.VerifyURL(res.URL, netip.MustParseAddr("198.51.100.9"), now)
	assert.ErrorIs(t, err, signer.ErrSourceIP)
}

func TestSignHandlerCORS(t *testing.T) {
	h := signHandler(t)
	for _, tc := range []struct {
		name, method, origin string
		allow                string
		status               int
	}{
		{"allowed origin", "GET", "https://player.example", "https://player.example", 200},
		{"other origin", "GET", "https://evil.example", "", 200},
		{"preflight", "OPTIONS", "https://player.example", "https://player.example", 204},
		{"no origin", "GET", "", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, tc.method, "/sign?id=1", map[string]string{"Origin": tc.origin, "Access-Control-Request-Headers": "authorization"})
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.allow, w.Header().Get("Access-Control-Allow-Origin"))
			if tc.method == "OPTIONS" {
				assert.Equal(t, "authorization", w.Header().Get("Access-Control-Allow-Headers"))
			}
		})
	}
	h.AllowOrigins = []string{"*"}
	w := serve(h, "GET", "/sign?id=1", map[string]string{"Origin": "https://any.example"})
	assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
	assert.Empty(t, w.Header().Get("Access-Control-Allow-Credentials"))
}
