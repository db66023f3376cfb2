package playlist_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestHandlerKeysScope: with Handler.Keys set, key URIs go through the
// net/url path (an InScope of the Handler's own); URIs that players resolve
// elsewhere (a leading NBSP or BOM, control bytes) still get nothing, and
// neither do the segments beside them, in both modes.
func TestHandlerKeysScope(t *testing.T) {
	e := newEnv(t)
	hostile := []string{"\u00a0https://evil.example/k", "\ufeffhttps://evil.example/k", "\x0bhttps://evil.example/k", "\u3000//evil.example/k"}
	body := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	for _, u := range hostile {
		body += `#EXT-X-KEY:METHOD=AES-128,URI="` + u + `"` + "\n#EXTINF:2,\n" + u + ".ts\n"
	}
	body += "#EXT-X-KEY:METHOD=AES-128,URI=\"ok.key\"\n#EXTINF:2,\nok.ts\n"
	e.fsys["movies/1/hostile.m3u8"] = &fstest.MapFile{Data: []byte(body)}

	var asked []string
	keys := func(r *http.Request, key *url.URL) (string, error) {
		asked = append(asked, key.String())
		return cdn + "/keys" + key.Path, nil
	}
	handlers := map[string]*playlist.Handler{
		"propagate": {Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModePropagate,
			Propagate: playlist.Carried{Carrier: &e.carrier}, Keys: keys, ErrorLog: quiet()},
		"server-side": {Origin: playlist.FSOrigin(e.fsys), Mode: playlist.ModeServerSide,
			ServerSide: playlist.ServerSide{Signer: e.signer}, Keys: keys, KeyHosts: []string{"evil.example"}, ErrorLog: quiet()},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			asked = nil
			w := get(h, "GET", cdn+"/movies/1/hostile.m3u8?"+e.carrier.Encode(e.creds))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			out := w.Body.String()
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "evil.example") {
					assert.NotContains(t, line, "Signature=", "credentials on %q", line)
				}
			}
			assert.Contains(t, out, `URI="`+cdn+`/keys/movies/1/ok.key?`)
			assert.Contains(t, out, "\nok.ts?")
			assert.Equal(t, []string{cdn + "/movies/1/ok.key"}, asked, "only the in-scope key reaches Keys")
		})
	}
}
