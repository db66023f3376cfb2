package main

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// hls.js in headless Chromium: the player page of the demo (page origin and
// CDN on different ports, so CORS is real) plays the embedded sample through
// the simulated CloudFront.

// onlyVariant returns the embedded sample with a master playlist that lists
// only the variant whose URI is uri, so that hls.js has to play it.
func onlyVariant(t *testing.T, uri string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(sampleMedia(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sampleMedia(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	}))
	lines := strings.SplitAfter(string(m["sample/master.m3u8"].Data), "\n")
	var master strings.Builder
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "#EXT-X-STREAM-INF:") && i+1 < len(lines) {
			if strings.TrimSpace(lines[i+1]) == uri {
				master.WriteString(lines[i] + lines[i+1])
			}
			i++
			continue
		}
		master.WriteString(lines[i])
	}
	require.Contains(t, master.String(), "#EXT-X-STREAM-INF:")
	require.Equal(t, 1, strings.Count(master.String(), "#EXT-X-STREAM-INF:"), "one variant: %s", master.String())
	m["sample/master.m3u8"] = &fstest.MapFile{Data: []byte(master.String())}
	return m
}

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
