package playlist_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// hostile is the marker every hostile input below contains.
const hostile = "<script>alert(1)</script>"

// TestHandlerErrorsReflectNothing: error answers say what failed in fixed
// words, never echoing what the viewer sent, and are never sniffed; the
// detail goes to ErrorLog.
func TestHandlerErrorsReflectNothing(t *testing.T) {
	e := newEnv(t)
	htmlPolicy, err := e.signer.Credentials(policy.New(cdn+"/movies/"+hostile+"/*", clock.Add(time.Hour)))
	require.NoError(t, err)
	carried := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q.Encode()
	}
	good := e.carrier.Encode(e.creds)
	e.fsys["movies/"+hostile+"/index.m3u8"] = &fstest.MapFile{Data: []byte(master)}
	escapedPath := "/movies/" + url.PathEscape(hostile) + "/index.m3u8"
	for _, tc := range []struct {
		name, mode, path, query string
		status                  int
		body                    string
	}{
		{"Key-Pair-Id with HTML", "propagate", "/movies/1/index.m3u8",
			carried("Policy-PREFIX", e.creds.Policy, "Signature-PREFIX", e.creds.Signature, "Key-Pair-Id-PREFIX", "KEVIL"+hostile),
			http.StatusForbidden, "credentials refused: unknown key"},
		{"signed policy with HTML in its resource", "propagate", "/movies/1/index.m3u8", e.carrier.Encode(htmlPolicy),
			http.StatusForbidden, "credentials refused: resource does not match"},
		{"policy that is HTML, not base64", "propagate", "/movies/1/index.m3u8",
			carried("Policy-PREFIX", hostile, "Signature-PREFIX", e.creds.Signature, "Key-Pair-Id-PREFIX", e.creds.KeyPairID),
			http.StatusForbidden, "credentials refused: malformed policy"},
		{"Expires with HTML", "propagate", "/movies/1/index.m3u8",
			carried("Expires-PREFIX", hostile, "Signature-PREFIX", e.creds.Signature, "Key-Pair-Id-PREFIX", e.creds.KeyPairID),
			http.StatusForbidden, "credentials refused: malformed policy"},
		{"Hash-Algorithm with HTML", "propagate", "/movies/1/index.m3u8", good + "&" + carried("Hash-Algorithm-PREFIX", hostile),
			http.StatusForbidden, "credentials refused: malformed policy"},
		{"path with HTML", "propagate", escapedPath, good,
			http.StatusForbidden, "credentials refused: resource does not match"},
		{"path with HTML outside every scope", "server-side", escapedPath, "",
			http.StatusNotFound, "not found"},
		{"path with HTML, origin 404", "cookies", "/movies/9/" + url.PathEscape(hostile) + ".m3u8", "",
			http.StatusNotFound, "404 page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			mode, err := playlist.ParseMode(tc.mode)
			require.NoError(t, err)
			h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: mode,
				Now: func() time.Time { return clock }, ErrorLog: log.New(&logged, "", 0)}
			switch mode {
			case playlist.ModePropagate:
				h.Propagate = playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}
			case playlist.ModeServerSide:
				h.ServerSide = playlist.ServerSide{Signer: e.signer,
					Scope: func(_ *http.Request, public *url.URL) (string, error) {
						if !strings.HasPrefix(public.Path, "/movies/1/") {
							return "", errors.New("no presentation at " + public.Path)
						}
						return cdn + "/movies/1/*", nil
					}}
			}
			target := cdn + tc.path
			if tc.query != "" {
				target += "?" + tc.query
			}
			w := get(h, "GET", target)
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.body+"\n", w.Body.String())
			for _, echo := range []string{hostile, url.PathEscape(hostile), url.QueryEscape(hostile), "alert(1)", "EVIL"} {
				assert.NotContains(t, w.Body.String(), echo)
			}
			assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			if tc.mode != "cookies" {
				assert.Contains(t, logged.String(), "alert", "the detail goes to ErrorLog")
			}
		})
	}
	t.Run("405", func(t *testing.T) {
		h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeCookies, ErrorLog: quiet()}
		w := get(h, "DELETE", cdn+escapedPath)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	})
}

// failingKey is an ECDSA key whose signatures always fail.
type failingKey struct{ *ecdsa.PrivateKey }

func (failingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("the HSM is unplugged")
}

// TestHandlerErrorLogSaysEachReasonOnce: the ErrorLog line of an error
// answer gives each reason once, even when the answer's fixed text is a
// summary of the cause (a refusal) or the cause starts with it.
func TestHandlerErrorLogSaysEachReasonOnce(t *testing.T) {
	e := newEnv(t)
	forged := e.creds
	forged.Signature = "AAAA" + forged.Signature
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	broken, err := signer.New("K1TEST", failingKey{key})
	require.NoError(t, err)
	for _, tc := range []struct {
		name, path, query string
		serverSide        *signer.Signer // nil: propagate mode
		status            int
		once              []string // each appears exactly once in the line
	}{
		{"no carried credentials", "/movies/1/index.m3u8", "", nil, http.StatusForbidden,
			[]string{"no credentials: the playlist request carries no prefixed copies"}},
		{"forged carried signature", "/movies/1/index.m3u8", e.carrier.Encode(forged), nil, http.StatusForbidden,
			[]string{"credentials refused", "bad signature"}},
		{"signing failed", "/movies/1/index.m3u8", e.carrier.Encode(e.creds), broken, http.StatusInternalServerError,
			[]string{"signing failed", "the HSM is unplugged"}},
		{"malformed playlist: the answer's text, then the cause", "/movies/1/bad.m3u8", e.carrier.Encode(e.creds), nil,
			http.StatusBadGateway, []string{"origin served a malformed playlist", "/movies/1/bad.m3u8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			h := &playlist.Handler{Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate,
				Propagate: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier},
				Now:       func() time.Time { return clock }, ErrorLog: log.New(&logged, "", 0)}
			if tc.serverSide != nil {
				h.Mode, h.Propagate = playlist.ModeServerSide, playlist.Carried{}
				h.ServerSide = playlist.ServerSide{Signer: tc.serverSide,
					Scope:  func(*http.Request, *url.URL) (string, error) { return cdn + "/movies/1/*", nil },
					Viewer: playlist.Carried{Carrier: &e.carrier, Verifier: e.verifier}}
			}
			target := cdn + tc.path
			if tc.query != "" {
				target += "?" + tc.query
			}
			w := get(h, "GET", target)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			line := strings.TrimSuffix(logged.String(), "\n")
			require.NotContains(t, line, "\n", "one line")
			assert.True(t, strings.HasPrefix(line, fmt.Sprintf("playlist: %d ", tc.status)), line)
			for _, s := range tc.once {
				assert.Equal(t, 1, strings.Count(line, s), "%q in %s", s, line)
			}
		})
	}
}
