package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestRealClientWebPlayers plays the sample and its AES-128 variant alone
// with Shaka Player and with video.js 8 (VHS, overrideNative), both from
// npm, in headless Chromium, in every mode: cookies mode needs Shaka's
// allowCrossSiteCredentials and VHS's withCredentials, which the page sets.
func TestRealClientWebPlayers(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	for _, client := range []string{"shaka", "videojs"} {
		require.NotEmpty(t, playerPath(client), "%s is installed by npm ci in examples/server/web", client)
		for _, mode := range allModes {
			for _, content := range []string{"sample", "aes"} {
				t.Run(client+"/"+mode.String()+"/"+content, func(t *testing.T) {
					media := sampleMedia()
					if content == "aes" {
						media = onlyVariant(t, "enc/index.m3u8")
					}
					st := startRealStack(t, mode, media, sampleKeys(), false)
					state, events := openPlayerPage(t, tools["chromium"], st, "?player="+client)
					s := waitPage(state, 45*time.Second, func(s pageState) bool { return s.Status == "error" || s.CurrentTime > 2.5 })
					t.Logf("%s/%s/%s: status %q, currentTime %.2f s, %d CDN requests, errors %q", client, mode, content, s.Status, s.CurrentTime, len(st.cdn.Log()), s.Errors)
					assert.Empty(t, s.Errors)
					assert.Equal(t, "playing", s.Status)
					assert.Greater(t, s.CurrentTime, 2.5, "seconds played")
					assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
					assertAllServed(t, st.cdn)
					if content == "aes" {
						assert.True(t, st.log.contains("page 200 GET /keys/sample/enc/enc.key"), "the key from the key server")
					}
					source := "by url"
					if mode == playlist.ModeCookies {
						source = "by cookies"
					}
					for _, e := range st.cdn.Log() {
						assert.Contains(t, cdnLine(e), source)
					}
				})
			}
		}
	}
}
