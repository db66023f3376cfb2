package hlstest

import (
	"crypto"
	"errors"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestCloudFrontRefusesHash: a literal '#' in the request target is no
// fragment to a Go server (the simulator's or an origin's): it stays in the
// path, so "/movies/1/#/../../2/a.ts" resolves to movie 2. The simulator
// refuses every literal '#' with 403 and an Err wrapping
// signer.ErrDotSegment before any credential check and before any origin
// sees it, on signed and public behaviors, in the path or the query. An
// escaped "%23" is an ordinary character and goes through.
func TestCloudFrontRefusesHash(t *testing.T) {
	origin := &resolvingOrigin{fsys: mergeFS(traversalFS(), fstest.MapFS{"movies/1/#a.ts": {Data: []byte("hash-name")}})}
	cf := traversalCloudFront(t, origin)
	creds, err := newSigner(t, RSAKey(), crypto.SHA1).Credentials(policy.New(cf.URL+"/movies/1/*", t0.Add(time.Hour)))
	require.NoError(t, err)
	cookies := creds.Cookies(signer.CookieOptions{})

	// do sends target on the request line as is, with the cookies when
	// asked.
	do := func(t *testing.T, target string, withCookies bool) (*http.Response, string) {
		t.Helper()
		if withCookies {
			return rawGet(t, cf, target, "", cookies)
		}
		return rawGet(t, cf, target, "", nil)
	}

	// Preconditions: the cookies open movie 1, and the origin resolves a
	// '#' segment like any other.
	resp, body := do(t, "/movies/1/a.ts", true)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "movie-1", body)
	resp, body = do(t, "/movies/1/%23a.ts", true)
	require.Equal(t, http.StatusOK, resp.StatusCode, "an escaped '#' is an ordinary character")
	require.Equal(t, "hash-name", body)

	for _, tc := range []struct {
		name, target string
		cookies      bool
	}{
		{"cookies, hash then dot-dots", "/movies/1/#/../../2/a.ts", true},
		{"cookies, hash then encoded dot-dots", "/movies/1/#/%2e%2e/%2e%2e/2/a.ts", true},
		{"cookies, hash in a name", "/movies/1/#a.ts", true},
		{"cookies, hash in the query", "/movies/1/a.ts?x=#/../../2", true},
		{"query, hash then dot-dots", "/movies/1/#/../../2/a.ts?" + creds.Encode(), false},
		{"public, hash then dot-dots", "/public/#/../../movies/2/a.ts", false},
		{"public, hash in a name", "/public/#hello.txt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(origin.requests())
			resp, body := do(t, tc.target, tc.cookies)
			e := lastEntry(t, cf)

			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Contains(t, body, "<Code>AccessDenied</Code>")
			assert.NotContains(t, body, movie2)
			assert.Len(t, origin.requests(), before, "no origin saw the request: %v", origin.requests()[before:])
			assert.Equal(t, DecisionRefused, e.Decision)
			assert.True(t, errors.Is(e.Err, signer.ErrDotSegment), "%v", e.Err)
			assert.Empty(t, e.OriginURI)
		})
	}
}
