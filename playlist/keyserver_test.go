package playlist_test

import (
	"errors"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

// keyFS lays keys out like the presentations they belong to.
var keyFS = fstest.MapFS{
	"movies/1/low/enc.key": {Data: []byte("KEY-OF-MOVIE-1..")},
	"movies/2/low/enc.key": {Data: []byte("KEY-OF-MOVIE-2..")},
	"movies/1/m2.key":      {Data: []byte("KEY-OF-MOVIE-2..")},
}

func TestKeyServer(t *testing.T) {
	e := newEnv(t)
	ks := &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier, Now: func() time.Time { return clock }, ErrorLog: quiet(),
		AllowOrigins: []string{"https://player.example"},
		Resource:     func(r *http.Request) (string, error) { return cdn + r.URL.Path, nil }}
	mounted := http.StripPrefix("/keys", ks)
	other, err := e.signer.Credentials(policy.New(cdn+"/movies/2/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	for _, tc := range []struct {
		name, target string
		status       int
		body         string
	}{
		{"authorized", "/keys/movies/1/low/enc.key?" + e.creds.Encode(), 200, "KEY-OF-MOVIE-1.."},
		{"no credentials", "/keys/movies/1/low/enc.key", 403, "not authorized"},
		{"another movie's credentials", "/keys/movies/1/low/enc.key?" + other.Encode(), 403, "not authorized"},
		{"credentials moved to another movie", "/keys/movies/2/low/enc.key?" + e.creds.Encode(), 403, "not authorized"},
		{"another title's key by its name under this title's path", "/keys/movies/1/low/../../2/low/enc.key?" + e.creds.Encode(), 404, "no such key"},
		{"unknown key", "/keys/movies/1/low/other.key?" + e.creds.Encode(), 404, "no such key"},
		{"escaped traversal", "/keys/movies/1/low/..%2f..%2f2%2flow%2fenc.key?" + e.creds.Encode(), 404, "no such key"},
		{"directory", "/keys/movies/1/low?" + e.creds.Encode(), 404, "no such key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(mounted, "GET", "https://backend.example"+tc.target, "Origin", "https://player.example")
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
			assert.NotContains(t, w.Body.String(), "MOVIE-2")
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "https://player.example", w.Header().Get("Access-Control-Allow-Origin"))
		})
	}
	// A key file that happens to lie under movies/1 is served to movies/1
	// viewers: the layout, not the file name, decides.
	w := get(mounted, "GET", "https://backend.example/keys/movies/1/m2.key?"+e.creds.Encode())
	assert.Equal(t, http.StatusOK, w.Code)

	// With neither Authorize nor Verifier the KeyServer is misconfigured:
	// see TestKeyServerMisconfigured.

	var names []string
	hook := http.StripPrefix("/keys", &playlist.KeyServer{Keys: keyFS, ErrorLog: quiet(), Authorize: func(r *http.Request, name string) error {
		names = append(names, name)
		if c, err := r.Cookie("session"); err == nil && c.Value == "ok" {
			return nil
		}
		return errors.New("no session")
	}})
	w = get(hook, "GET", "https://backend.example/keys/movies/1/low/enc.key", "Cookie", "session=ok")
	assert.Equal(t, http.StatusOK, w.Code)
	w = get(hook, "GET", "https://backend.example/keys/movies/1/low/enc.key")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, []string{"movies/1/low/enc.key", "movies/1/low/enc.key"}, names, "Authorize sees the whole name")
}

func TestKeyServerEitherAdmits(t *testing.T) {
	e := newEnv(t)
	ks := &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier, ErrorLog: quiet(),
		Now:      func() time.Time { return clock },
		Resource: func(r *http.Request) (string, error) { return cdn + r.URL.Path, nil },
		Authorize: func(r *http.Request, name string) error {
			if _, err := r.Cookie("session"); err != nil {
				return errors.New("no session")
			}
			return nil
		}}
	const key = "https://backend.example/movies/1/low/enc.key"
	assert.Equal(t, http.StatusOK, get(ks, "GET", key, "Cookie", "session=1").Code)
	assert.Equal(t, http.StatusOK, get(ks, "GET", key+"?"+e.creds.Encode()).Code)
	assert.Equal(t, http.StatusForbidden, get(ks, "GET", key).Code)
}

// TestKeyServerIgnoresForwardedFor: viewers reach the key server directly,
// so a forged X-Forwarded-For must not satisfy an IP-bound policy.
func TestKeyServerIgnoresForwardedFor(t *testing.T) {
	e := newEnv(t)
	p := policy.New(cdn+"/movies/1/*", clock.Add(time.Hour))
	p.SourceIP = mustPrefix(t, "198.51.100.0/24")
	creds, err := e.signer.Credentials(p)
	require.NoError(t, err)
	ks := &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier, ErrorLog: quiet(), Now: func() time.Time { return clock },
		Resource: func(r *http.Request) (string, error) { return cdn + r.URL.Path, nil }}
	for _, tc := range []struct {
		name, remote, xff string
		status            int
	}{
		{"inside", "198.51.100.7:4000", "", 200},
		{"outside", "203.0.113.9:4000", "", 403},
		{"outside with a forged header", "203.0.113.9:4000", "198.51.100.7", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := getFrom(ks, tc.remote, "https://backend.example/movies/1/low/enc.key?"+creds.Encode(), "X-Forwarded-For", tc.xff)
			assert.Equal(t, tc.status, w.Code)
		})
	}
}
