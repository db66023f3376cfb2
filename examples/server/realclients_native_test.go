package main

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestRealClientChromiumNative plays the player page with Chromium's own
// HLS (<video src="signed master">, no JavaScript player): the closest
// thing to Safari and AVPlayer that runs here. Chromium 156 from Debian
// answers canPlayType("application/vnd.apple.mpegurl") with "maybe". The
// page sets crossorigin on the video (use-credentials in cookies mode), so
// that the CDN, another origin, is read with CORS.
func TestRealClientChromiumNative(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	for _, tc := range []struct {
		name    string
		media   fs.FS
		fetched []string // parts of lines the stack's log must show
	}{
		{name: "sample", media: sampleMedia()},
		// The AES-128 variant: the key comes from the key server on the
		// page's origin.
		{name: "aes", media: onlyVariant(t, "enc/index.m3u8"),
			fetched: []string{"page 200 GET /keys/sample/enc/enc.key", "GET /sample/enc/seg-1.ts"}},
	} {
		for _, mode := range allModes {
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				st := startRealStack(t, mode, tc.media, sampleKeys(), false)
				state, events := openPlayerPage(t, tools["chromium"], st, "?player=native")
				start := time.Now()
				s := waitPage(state, 45*time.Second, func(s pageState) bool {
					return s.Status == "error" || s.CurrentTime > 2.5
				})
				t.Logf("after %v: currentTime %.2f s, status %q, %d CDN requests, page log %q",
					time.Since(start).Round(time.Millisecond), s.CurrentTime, s.Status, len(st.cdn.Log()), s.Log)

				require.NotEmpty(t, s.Log, "the page ran")
				assert.Contains(t, s.Log, `native HLS: canPlayType says "maybe"`)
				assert.Empty(t, s.Errors, "media errors")
				assert.Equal(t, "playing", s.Status)
				assert.Greater(t, s.CurrentTime, 2.5, "seconds played")
				assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
				assertAllServed(t, st.cdn)
				source := "by url"
				if mode == playlist.ModeCookies {
					source = "by cookies"
				}
				for _, e := range st.cdn.Log() {
					assert.Contains(t, cdnLine(e), source, "credentials from the mode's carrier")
				}
				for _, f := range tc.fetched {
					assert.True(t, st.log.contains(f), "no request %q in the stack's log", f)
				}
			})
		}
	}
}

// TestRealClientPageWithoutHLSJS opens the player page on a machine
// without hls.js (the page server answers /hls.js 404, as before npm ci):
// the page loads nothing from the internet, says what is missing and the
// command that installs it, and plays with Chromium's own HLS.
func TestRealClientPageWithoutHLSJS(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	st := startStackConfig(t, config{mode: playlist.ModePropagate, ttl: time.Hour, media: sampleMedia(), keys: sampleKeys(),
		clock: time.Now, noHLSJS: true})

	state, events := openPlayerPage(t, tools["chromium"], st, "")
	s := waitPage(state, 45*time.Second, func(s pageState) bool { return s.Status == "error" || s.CurrentTime > 2.5 })
	t.Logf("status %q, currentTime %.2f s, log %q", s.Status, s.CurrentTime, s.Log)
	assert.False(t, st.log.contains("GET /hls.js"), "the page does not ask for hls.js the server does not have")
	assert.Empty(t, events.failures, "failed requests in the browser")
	assert.False(t, st.log.contains("GET /favicon.ico"), "no favicon request: the page names an empty one")
	assert.Contains(t, strings.Join(s.Log, "\n"), "hls.js is not installed (run (cd examples/server/web && npm ci) for it); playing with the browser's own HLS")
	assert.Empty(t, s.Errors)
	assert.Equal(t, "playing", s.Status)
	assert.Greater(t, s.CurrentTime, 2.5, "seconds played")
	assertAllServed(t, st.cdn)
}
