package playlist_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/playlist"
)

// TestKeyServerErrorsReflectNothing: the key server's refusals are fixed
// texts, never sniffed, whatever the viewer put in the path or query.
func TestKeyServerErrorsReflectNothing(t *testing.T) {
	e := newEnv(t)
	ks := &playlist.KeyServer{Keys: keyFS, Verifier: e.verifier, Now: func() time.Time { return clock }, ErrorLog: quiet(),
		Resource: func(r *http.Request) (string, error) { return cdn + r.URL.Path, nil }}
	mounted := http.StripPrefix("/keys", ks)
	evilCreds := url.Values{"Policy": {e.creds.Policy}, "Signature": {e.creds.Signature}, "Key-Pair-Id": {"KEVIL" + hostile}}.Encode()
	for _, tc := range []struct {
		name, method, target string
		status               int
	}{
		{"Key-Pair-Id with HTML", "GET", "/keys/movies/1/low/enc.key?" + evilCreds, http.StatusForbidden},
		{"policy that is HTML", "GET", "/keys/movies/1/low/enc.key?" + url.Values{"Policy": {hostile}, "Signature": {"x"}, "Key-Pair-Id": {"K1TEST"}}.Encode(), http.StatusForbidden},
		{"key name with HTML", "GET", "/keys/movies/1/" + url.PathEscape(hostile) + ".key?" + e.creds.Encode(), http.StatusNotFound},
		{"method", "POST", "/keys/movies/1/low/enc.key", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(mounted, tc.method, "https://backend.example"+tc.target)
			assert.Equal(t, tc.status, w.Code)
			for _, echo := range []string{hostile, url.PathEscape(hostile), "alert(1)", "EVIL"} {
				assert.NotContains(t, w.Body.String(), echo)
			}
			assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
		})
	}
}
