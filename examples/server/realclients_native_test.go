package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/playlist"
)

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
