package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// hls.js in headless Chromium: the player page of the demo (page origin and
// CDN on different ports, so CORS is real) plays the embedded sample through
// the simulated CloudFront.

// TestRealClientBrowser plays the embedded sample on the player page with
// the npm copy of hls.js in headless Chromium, and shows that without CORS
// headers on the CDN the page cannot play. TestRealClient plays every
// presentation in every mode with every player.
func TestRealClientBrowser(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	wantVersion := npmHLSJSVersion(t)

	// The embedded sample as it is: hls.js picks a variant itself.
	t.Run("sample", func(t *testing.T) {
		st := startRealStack(t, playlist.ModePropagate, sampleMedia(), sampleKeys(), false)
		state, events := openPlayerPage(t, tools["chromium"], st, "")
		s := waitPage(state, 60*time.Second, func(s pageState) bool {
			return s.Status == "error" || (s.Fragments >= 3 && s.CurrentTime > 1)
		})
		t.Logf("hls.js %s, %d fragments, currentTime %.2f s, status %q, %d CDN requests, page log %q",
			s.HLSVersion, s.Fragments, s.CurrentTime, s.Status, len(st.cdn.Log()), s.Log)
		assert.Equal(t, wantVersion, s.HLSVersion, "the page runs the npm copy of hls.js, served at /hls.js")
		assert.Empty(t, s.Errors, "hls.js fatal errors")
		assert.Empty(t, hlsJSErrors(s.Log), "hls.js errors, fatal or not")
		assert.Equal(t, "playing", s.Status)
		assert.GreaterOrEqual(t, s.Fragments, 3, "fragments loaded")
		assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
		assertAllServed(t, st.cdn)
		assert.True(t, st.log.contains("page 200 GET /sign"), "the page got credentials from the sign endpoint")
	})

	// Without CORS headers on the CDN, CloudFront serves the master playlist
	// but Chromium does not hand it to the page: hls.js fails.
	t.Run("no CORS", func(t *testing.T) {
		st := startRealStack(t, playlist.ModePropagate, sampleMedia(), sampleKeys(), true)
		state, events := openPlayerPage(t, tools["chromium"], st, "")
		s := waitPage(state, 30*time.Second, func(s pageState) bool { return s.Status == "error" })
		t.Logf("status %q, errors %q", s.Status, s.Errors)

		assert.Equal(t, "error", s.Status)
		require.NotEmpty(t, s.Errors, "the page reports the failure")
		assert.Contains(t, s.Errors[0], "manifestLoadError")
		assert.Zero(t, s.Fragments)
		blocked := events.corsBlocked()
		require.NotEmpty(t, blocked, "Chromium blocked a CDN response for CORS")
		assert.True(t, strings.HasPrefix(blocked[0].url, st.masterURL("sample")+"?"), "blocked: %s", shortURL(blocked[0].url))
		assert.Equal(t, network.CorsErrorMissingAllowOriginHeader, blocked[0].reason)
		assert.True(t, st.log.contains("cdn  200 GET /sample/master.m3u8", "allowed"),
			"the simulated CloudFront allowed and served the master playlist; only the browser refused it")
		assert.Empty(t, st.cdn.Refusals())
	})
}
