package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
)

// TestLiveLowLatencyDeltaUpdate asks the LL-HLS channel, through the
// simulated CloudFront and the rewriting origin, for a delta update
// (_HLS_skip=YES) in every mode: the answer has EXT-X-SKIP, every URI in it
// still carries credentials (none in cookies mode, where the cookies do),
// and every one of them is served.
func TestLiveLowLatencyDeltaUpdate(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startLiveStack(t, mode, time.Minute, 2*time.Second)
			v := newViewer(t, st.stack)
			master, status := v.sign(t, st.stack, "live/ll")
			require.Equal(t, http.StatusOK, status)

			get := func(u string) string {
				t.Helper()
				resp, err := v.client.Get(u)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", shortURL(u), body)
				return string(body)
			}
			resolve := func(base, ref string) string {
				t.Helper()
				b, err := url.Parse(base)
				require.NoError(t, err)
				r, err := url.Parse(ref)
				require.NoError(t, err)
				return b.ResolveReference(r).String()
			}
			var variant string
			for _, ref := range hlstest.Discover(get(master)) {
				if ref.Tag == "EXT-X-STREAM-INF" {
					variant = resolve(master, ref.URI)
					break
				}
			}
			require.NotEmpty(t, variant, "a variant in the master")
			sep := "?"
			if strings.Contains(variant, "?") {
				sep = "&"
			}
			delta := variant + sep + "_HLS_skip=YES"
			body := get(delta)
			require.Contains(t, body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=", "a delta update")

			refs := hlstest.Discover(body)
			require.NotEmpty(t, refs)
			for _, ref := range refs {
				switch {
				case mode == playlist.ModeCookies:
					assert.NotContains(t, ref.URI, "Signature=", "line %d: cookies carry the credentials", ref.Line)
				default:
					assert.Contains(t, ref.URI, "Signature=", "line %d: %s", ref.Line, shortURL(ref.URI))
				}
				if ref.Tag == "EXT-X-PRELOAD-HINT" || ref.Tag == "EXT-X-RENDITION-REPORT" {
					continue // a part that does not exist yet; a playlist to reload with _HLS_ parameters
				}
				get(resolve(delta, ref.URI))
			}
			assert.Empty(t, st.cdn.Refusals(), "requests the simulated CloudFront refused")
		})
	}
}
