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

func TestCloudFrontCORS(t *testing.T) {
	const site = "https://player.example.com"
	cors := &CORS{AllowOrigins: []string{site}, ExposeHeaders: []string{"Content-Length"}, MaxAge: 10 * time.Minute}
	fx := newFixture(t, func(cf *CloudFront) { cf.Default.CORS = cors })
	master := fx.cf.URL + "/movies/1/master.m3u8"
	s := newSigner(t, RSAKey(), crypto.SHA1)
	signed := mustSignURL(t, s, master, policy.New(fx.cf.URL+"/movies/1/*", t0.Add(time.Hour)))

	do := func(t *testing.T, method, u, origin string, extra map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, u, nil)
		require.NoError(t, err)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := fx.cf.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	t.Run("403 carries CORS headers", func(t *testing.T) {
		resp := do(t, http.MethodGet, master, site, nil)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "Content-Length", resp.Header.Get("Access-Control-Expose-Headers"))
		assert.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
	t.Run("200 carries CORS headers", func(t *testing.T) {
		resp := do(t, http.MethodGet, signed, site, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("other origins get none", func(t *testing.T) {
		resp := do(t, http.MethodGet, master, "https://evil.example", nil)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("preflight is answered without credentials", func(t *testing.T) {
		resp := do(t, http.MethodOptions, master, site, map[string]string{
			"Access-Control-Request-Method":  "GET",
			"Access-Control-Request-Headers": "range",
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, site, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "GET, HEAD", resp.Header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "range", resp.Header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "600", resp.Header.Get("Access-Control-Max-Age"))
		e := lastEntry(t, fx.cf)
		assert.Equal(t, DecisionPreflight, e.Decision)
		assert.Empty(t, e.OriginURI)
	})
	t.Run("behaviors without CORS add nothing", func(t *testing.T) {
		resp := do(t, http.MethodGet, fx.cf.URL+"/public/hello.txt", site, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
}

func TestCORSAnyOrigin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cors  CORS
		allow string
		creds string
	}{
		{name: "any origin", cors: CORS{}, allow: "*"},
		{name: "star", cors: CORS{AllowOrigins: []string{"*"}}, allow: "*"},
		{name: "any origin with credentials echoes it", cors: CORS{AllowCredentials: true}, allow: "https://a.example", creds: "true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "https://x/", nil)
			require.NoError(t, err)
			r.Header.Set("Origin", "https://a.example")
			h := http.Header{}
			assert.True(t, tc.cors.apply(h, r))
			assert.Equal(t, tc.allow, h.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, tc.creds, h.Get("Access-Control-Allow-Credentials"))
		})
	}
}
