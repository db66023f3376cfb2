package playlist_test

import (
	"bytes"
	"errors"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestHandlerValidate: every configuration that does not fit its Mode is an
// ErrConfig naming the field at fault, and a Handler built that way answers
// 500 with the reason logged; configurations that fit pass.
func TestHandlerValidate(t *testing.T) {
	e := newEnv(t)
	origin := playlist.FSOrigin(e.fsys)
	scope := func(*http.Request, *url.URL) (string, error) { return cdn + "/movies/1/*", nil }
	viewer := playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}
	for _, tc := range []struct {
		name string
		h    *playlist.Handler
		want []string // what the error names; none for a valid configuration
	}{
		{"cookies", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies}, nil},
		{"propagate", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}}, nil},
		{"propagate, verified", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate, Propagate: viewer}, nil},
		{"server-side", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer}}, nil},
		{"server-side, every setting", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, Scope: scope, TTL: time.Hour, Bucket: time.Minute,
				BindViewerIP: true, Viewer: viewer}}, nil},

		{"nil Origin", &playlist.Handler{Mode: playlist.ModeCookies}, []string{"Origin is nil"}},
		{"negative MaxBytes", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies, MaxBytes: -1},
			[]string{"MaxBytes is negative (-1)", "DefaultMaxBytes"}},
		{"template Query", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies, Rewriter: playlist.Rewriter{Query: "v=1"}},
			[]string{"Rewriter.Query or Rewriter.Carry is set"}},
		{"template Carry", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide, ServerSide: playlist.ServerSide{Signer: e.signer},
			Rewriter: playlist.Rewriter{Carry: "Policy-PREFIX=x"}}, []string{"Rewriter.Query or Rewriter.Carry is set"}},
		{"KeyHosts without Keys", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies, KeyHosts: []string{"keys.invalid"}},
			[]string{"KeyHosts is set without Keys"}},
		{"zero Mode", &playlist.Handler{Origin: origin},
			[]string{"Mode is not set: choose ModePropagate, ModeServerSide or ModeCookies"}},
		{"zero Mode with a Carrier: no guessing", &playlist.Handler{Origin: origin, Propagate: playlist.Carried{Carrier: &e.carrier}},
			[]string{"Mode is not set"}},
		{"zero Mode with a Signer: no guessing", &playlist.Handler{Origin: origin, ServerSide: playlist.ServerSide{Signer: e.signer}},
			[]string{"Mode is not set"}},
		{"unknown Mode", &playlist.Handler{Origin: origin, Mode: playlist.Mode(7)}, []string{"Mode(7)", "choose ModePropagate"}},

		{"propagate without a Carrier", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate},
			[]string{"Propagate.Carrier is nil"}},
		{"propagate with only a Verifier", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Verifier: e.verifier}}, []string{"Propagate.Carrier is nil"}},
		{"propagate with ServerSide.Signer", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}, ServerSide: playlist.ServerSide{Signer: e.signer}},
			[]string{"ServerSide.Signer is set", "Mode is ModePropagate", "ModeServerSide"}},
		{"propagate with ServerSide.Scope and TTL", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate:  playlist.Carried{Carrier: &e.carrier},
			ServerSide: playlist.ServerSide{Scope: scope, TTL: time.Hour}},
			[]string{"ServerSide.Scope, ServerSide.TTL are set"}},
		{"propagate with ServerSide.Bucket", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}, ServerSide: playlist.ServerSide{Bucket: time.Minute}},
			[]string{"ServerSide.Bucket is set"}},
		{"propagate with ServerSide.BindViewerIP", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}, ServerSide: playlist.ServerSide{BindViewerIP: true}},
			[]string{"ServerSide.BindViewerIP is set"}},
		{"propagate with ServerSide.Viewer", &playlist.Handler{Origin: origin, Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}, ServerSide: playlist.ServerSide{Viewer: viewer}},
			[]string{"ServerSide.Viewer.Carrier, ServerSide.Viewer.Verifier are set"}},

		{"server-side without a Signer", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Scope: scope}}, []string{"ServerSide.Signer is nil"}},
		{"server-side with a negative TTL", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, TTL: -time.Hour}}, []string{"ServerSide.TTL is negative (-1h0m0s)"}},
		{"server-side with a negative Bucket", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, Bucket: -time.Minute}}, []string{"ServerSide.Bucket is negative"}},
		{"server-side Viewer without a Verifier", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, Viewer: playlist.Carried{Carrier: &e.carrier}}},
			[]string{"ServerSide.Viewer.Carrier is set without ServerSide.Viewer.Verifier"}},
		{"server-side Viewer without a Carrier", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer, Viewer: playlist.Carried{Verifier: e.verifier}}},
			[]string{"ServerSide.Viewer.Verifier is set without ServerSide.Viewer.Carrier"}},
		{"server-side with Propagate", &playlist.Handler{Origin: origin, Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer}, Propagate: viewer},
			[]string{"Propagate.Carrier, Propagate.Verifier are set", "Mode is ModeServerSide", "ServerSide.Viewer"}},

		{"cookies with Propagate.Carrier", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies,
			Propagate: playlist.Carried{Carrier: &e.carrier}}, []string{"Propagate.Carrier is set", "Mode is ModeCookies"}},
		{"cookies with Propagate.Verifier", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies,
			Propagate: playlist.Carried{Verifier: e.verifier}}, []string{"Propagate.Verifier is set"}},
		{"cookies with ServerSide.Signer", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies,
			ServerSide: playlist.ServerSide{Signer: e.signer}}, []string{"ServerSide.Signer is set", "Mode is ModeCookies"}},
		{"cookies with ServerSide.Viewer.Carrier", &playlist.Handler{Origin: origin, Mode: playlist.ModeCookies,
			ServerSide: playlist.ServerSide{Viewer: playlist.Carried{Carrier: &e.carrier}}},
			[]string{"ServerSide.Viewer.Carrier is set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Validate()
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
			tc.h.ErrorLog = log.New(&logged, "", 0)
			w := get(tc.h, "GET", cdn+"/movies/1/index.m3u8?"+e.carrier.Encode(e.creds))
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, "playlist handler misconfigured\n", w.Body.String())
			assert.Contains(t, logged.String(), err.Error())
		})
	}
}

// TestHandlerMisconfigured: a Handler that fails Validate answers every
// request 500 (playlists, what would pass through to the origin,
// preflights, other methods) in the fixed error style, with the reason in
// ErrorLog once per request, and never asks Admit or the origin.
func TestHandlerMisconfigured(t *testing.T) {
	e := newEnv(t)
	var originCalls, admitCalls atomic.Int32
	var logged bytes.Buffer
	h := &playlist.Handler{
		Origin: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			originCalls.Add(1)
			playlist.FSOrigin(e.fsys).ServeHTTP(w, r)
		}),
		// No Mode: once guessed as ModePropagate from the Carrier.
		Propagate:    playlist.Carried{Carrier: &e.carrier},
		Admit:        func(*http.Request) error { admitCalls.Add(1); return nil },
		AllowOrigins: []string{"*"},
		ErrorLog:     log.New(&logged, "", 0),
	}
	requests := []struct{ name, method, path string }{
		{"playlist", "GET", "/movies/1/index.m3u8?" + e.carrier.Encode(e.creds)},
		{"playlist HEAD", "HEAD", "/movies/1/index.m3u8"},
		{"pass-through", "GET", "/movies/1/low/seg-0.ts"},
		{"preflight", "OPTIONS", "/movies/1/index.m3u8"},
		{"POST", "POST", "/movies/1/index.m3u8"},
	}
	for _, tc := range requests {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, tc.method, cdn+tc.path, "Origin", "https://player.example")
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, "playlist handler misconfigured\n", w.Body.String())
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"), "CORS on every answer")
		})
	}
	assert.Zero(t, originCalls.Load(), "the origin is never asked")
	assert.Zero(t, admitCalls.Load(), "nor Admit")
	lines := strings.Split(strings.TrimSuffix(logged.String(), "\n"), "\n")
	assert.Len(t, lines, len(requests), "one log line per request:\n%s", logged.String())
	for _, line := range lines {
		assert.Equal(t, "playlist: 500 playlist handler misconfigured: "+
			"playlist: invalid configuration: Mode is not set: choose ModePropagate, ModeServerSide or ModeCookies", line)
	}
}

// TestHandlerValidatedOnce: concurrent first requests share one verdict,
// without a data race (run with -race).
func TestHandlerValidatedOnce(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		mode   playlist.Mode
		status int
	}{
		{"valid", playlist.ModeCookies, http.StatusOK},
		{"invalid", 0, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: tc.mode, ErrorLog: quiet()}
			var wg sync.WaitGroup
			codes := make([]int, 8)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = get(h, "GET", cdn+"/movies/1/index.m3u8").Code
				}()
			}
			wg.Wait()
			for _, c := range codes {
				assert.Equal(t, tc.status, c)
			}
		})
	}
}

// TestErrConfigWraps: callers can tell a configuration error from others.
func TestErrConfigWraps(t *testing.T) {
	err := (&playlist.Handler{}).Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, playlist.ErrConfig))
	assert.Equal(t, "playlist: invalid configuration: Origin is nil: set the http.Handler that serves the playlists and everything else (FSOrigin, RemoteOrigin or your own)", err.Error())
}
