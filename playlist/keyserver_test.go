package playlist_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
)

func TestKeyServer(t *testing.T) {
	e := newEnv(t)
	keys := fstest.MapFS{"enc.key": {Data: []byte("0123456789abcdef")}}
	ks := &playlist.KeyServer{Keys: keys, Verifier: e.verifier, Now: func() time.Time { return clock }, ErrorLog: quiet(),
		AllowOrigins: []string{"https://player.example"},
		Resource: func(r *http.Request) (string, error) {
			return cdn + strings.TrimPrefix(r.URL.Path, "/keys"), nil
		}}
	other, err := e.signer.Credentials(policy.Custom(cdn+"/movies/2/*", clock.Add(time.Hour)))
	if !assert.NoError(t, err) {
		return
	}
	for _, tc := range []struct {
		name, target string
		status       int
		body         string
	}{
		{"authorized", "/keys/movies/1/low/enc.key?" + e.creds.Encode(), 200, "0123456789abcdef"},
		{"no credentials", "/keys/movies/1/low/enc.key", 403, "not authorized"},
		{"another movie's credentials", "/keys/movies/1/low/enc.key?" + other.Encode(), 403, "not authorized"},
		{"credentials moved to another movie", "/keys/movies/2/low/enc.key?" + e.creds.Encode(), 403, "not authorized"},
		{"unknown key", "/keys/movies/1/low/other.key?" + e.creds.Encode(), 404, "no such key"},
		{"traversal", "/keys/movies/1/low/..%2f..%2fsecret?" + e.creds.Encode(), 404, "no such key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(ks, "GET", "https://backend.example"+tc.target, "Origin", "https://player.example")
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.body)
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "https://player.example", w.Header().Get("Access-Control-Allow-Origin"))
		})
	}

	closed := &playlist.KeyServer{Keys: keys, ErrorLog: quiet()}
	w := get(closed, "GET", "https://backend.example/keys/enc.key?"+e.creds.Encode())
	assert.Equal(t, http.StatusForbidden, w.Code, "no Authorize and no Verifier: fail closed")

	hook := &playlist.KeyServer{Keys: keys, ErrorLog: quiet(), Authorize: func(r *http.Request, name string) error {
		if c, err := r.Cookie("session"); err == nil && c.Value == "ok" {
			return nil
		}
		return errors.New("no session")
	}}
	w = get(hook, "GET", "https://backend.example/keys/enc.key", "Cookie", "session=ok")
	assert.Equal(t, http.StatusOK, w.Code)
	w = get(hook, "GET", "https://backend.example/keys/enc.key")
	assert.Equal(t, http.StatusForbidden, w.Code)
}

func TestKeyServerEitherAdmits(t *testing.T) {
	e := newEnv(t)
	ks := &playlist.KeyServer{Keys: fstest.MapFS{"enc.key": {Data: []byte("k")}}, Verifier: e.verifier, ErrorLog: quiet(),
		Now:      func() time.Time { return clock },
		Resource: func(r *http.Request) (string, error) { return cdn + "/movies/1/enc.key", nil },
		Authorize: func(r *http.Request, name string) error {
			if _, err := r.Cookie("session"); err != nil {
				return errors.New("no session")
			}
			return nil
		}}
	assert.Equal(t, http.StatusOK, get(ks, "GET", "https://backend.example/keys/enc.key", "Cookie", "session=1").Code)
	assert.Equal(t, http.StatusOK, get(ks, "GET", "https://backend.example/keys/enc.key?"+e.creds.Encode()).Code)
	assert.Equal(t, http.StatusForbidden, get(ks, "GET", "https://backend.example/keys/enc.key").Code)
}
