package playlist_test

import (
	"bytes"
	"errors"
	"io/fs"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// countingFS counts what is opened in it.
type countingFS struct {
	fs.FS
	opens atomic.Int32
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.FS.Open(name)
}

// TestKeyServerValidate: a KeyServer that cannot work is an ErrConfig
// naming the field at fault, and answers 500 with the reason logged;
// configurations that work pass.
func TestKeyServerValidate(t *testing.T) {
	e := newEnv(t)
	authorize := func(*http.Request, string) error { return nil }
	resource := func(r *http.Request) (string, error) { return cdn + r.URL.Path, nil }
	for _, tc := range []struct {
		name string
		ks   *playlist.KeyServer
		want []string // what the error names; none for a valid configuration
	}{
		{"Authorize", &playlist.KeyServer{Keys: keyFS, Authorize: authorize}, nil},
		{"Verifier and Resource", &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier, Resource: resource}, nil},
		{"both", &playlist.KeyServer{Keys: keyFS, Authorize: authorize, Verifier: e.verifier, Resource: resource}, nil},

		{"zero KeyServer", &playlist.KeyServer{}, []string{"KeyServer.Keys is nil"}},
		{"nil Keys", &playlist.KeyServer{Authorize: authorize}, []string{"KeyServer.Keys is nil", "fs.FS"}},
		{"nothing admits", &playlist.KeyServer{Keys: keyFS},
			[]string{"neither Authorize nor Verifier and Resource", "refuse every viewer"}},
		{"Verifier without Resource", &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier},
			[]string{"KeyServer.Verifier is set without KeyServer.Resource"}},
		{"Verifier without Resource beside Authorize", &playlist.KeyServer{Keys: keyFS, Authorize: authorize, Verifier: e.verifier},
			[]string{"KeyServer.Verifier is set without KeyServer.Resource"}},
		{"Resource without Verifier", &playlist.KeyServer{Keys: keyFS, Resource: resource},
			[]string{"KeyServer.Resource is set without KeyServer.Verifier"}},
		{"Resource without Verifier beside Authorize", &playlist.KeyServer{Keys: keyFS, Authorize: authorize, Resource: resource},
			[]string{"KeyServer.Resource is set without KeyServer.Verifier"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ks.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, playlist.ErrConfig)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}

			var logged bytes.Buffer
			tc.ks.ErrorLog = log.New(&logged, "", 0)
			w := get(tc.ks, "GET", "https://backend.example/movies/1/low/enc.key?"+e.creds.Encode())
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, "key server misconfigured\n", w.Body.String())
			assert.Contains(t, logged.String(), err.Error())
		})
	}
}

// TestKeyServerMisconfigured: a KeyServer that fails Validate answers every
// request 500 (keys, unknown names, preflights, other methods) in the fixed
// error style, with the reason in ErrorLog once per request, and never asks
// Authorize or Resource nor opens anything in Keys.
func TestKeyServerMisconfigured(t *testing.T) {
	keys := &countingFS{FS: keyFS}
	var authorizeCalls, resourceCalls atomic.Int32
	var logged bytes.Buffer
	ks := &playlist.KeyServer{
		Keys:      keys,
		Authorize: func(*http.Request, string) error { authorizeCalls.Add(1); return nil },
		// No Verifier: Resource alone once went unused while Authorize
		// admitted everyone.
		Resource:     func(r *http.Request) (string, error) { resourceCalls.Add(1); return cdn + r.URL.Path, nil },
		AllowOrigins: []string{"https://player.example"},
		ErrorLog:     log.New(&logged, "", 0),
	}
	mounted := http.StripPrefix("/keys", ks)
	requests := []struct{ name, method, path string }{
		{"key", "GET", "/keys/movies/1/low/enc.key"},
		{"key HEAD", "HEAD", "/keys/movies/1/low/enc.key"},
		{"unknown key", "GET", "/keys/movies/1/low/other.key"},
		{"traversal", "GET", "/keys/movies/1/low/../../2/low/enc.key"},
		{"preflight", "OPTIONS", "/keys/movies/1/low/enc.key"},
		{"POST", "POST", "/keys/movies/1/low/enc.key"},
	}
	for _, tc := range requests {
		t.Run(tc.name, func(t *testing.T) {
			w := get(mounted, tc.method, "https://backend.example"+tc.path, "Origin", "https://player.example")
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, "key server misconfigured\n", w.Body.String())
			assert.NotContains(t, w.Body.String(), "KEY-OF-MOVIE")
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "https://player.example", w.Header().Get("Access-Control-Allow-Origin"), "CORS on every answer")
		})
	}
	assert.Zero(t, authorizeCalls.Load(), "Authorize is never asked")
	assert.Zero(t, resourceCalls.Load(), "nor Resource")
	assert.Zero(t, keys.opens.Load(), "and no key is read")
	lines := strings.Split(strings.TrimSuffix(logged.String(), "\n"), "\n")
	assert.Len(t, lines, len(requests), "one log line per request:\n%s", logged.String())
	for _, line := range lines {
		assert.Equal(t, "playlist: 500 key server misconfigured: playlist: invalid configuration: "+
			"KeyServer.Resource is set without KeyServer.Verifier: nothing checks the credentials; "+
			"set the Verifier (with the distribution's public keys), or remove Resource", line)
	}
}

// TestKeyServerValidatedOnce: concurrent first requests share one verdict,
// without a data race (run with -race).
func TestKeyServerValidatedOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		authorize func(*http.Request, string) error
		status    int
	}{
		{"valid", func(*http.Request, string) error { return nil }, http.StatusOK},
		{"invalid", nil, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := &playlist.KeyServer{Keys: keyFS, Authorize: tc.authorize, ErrorLog: quiet()}
			var wg sync.WaitGroup
			codes := make([]int, 8)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = get(ks, "GET", "https://backend.example/movies/1/low/enc.key").Code
				}()
			}
			wg.Wait()
			for _, c := range codes {
				assert.Equal(t, tc.status, c)
			}
		})
	}
}

// TestKeyServerErrConfig: callers can tell a configuration error from
// others, and read what to do.
func TestKeyServerErrConfig(t *testing.T) {
	err := (&playlist.KeyServer{Keys: keyFS}).Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, playlist.ErrConfig))
	assert.Equal(t, "playlist: invalid configuration: KeyServer has neither Authorize nor Verifier and Resource set, "+
		"so it would refuse every viewer: set Authorize (a session check), Verifier and Resource "+
		"(the credentials Handler.Keys puts on key URIs), or both", err.Error())
}
