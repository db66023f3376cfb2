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

// TestRealClientBrowser plays the player page with hls.js in headless
// Chromium in every mode, and shows that without CORS headers on the CDN the
// page cannot play.
func TestRealClientBrowser(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	wantVersion := npmHLSJSVersion(t)

	for _, tc := range []struct {
		name    string
		media   fs.FS
		fetched []string // parts of lines the stack's log must show
	}{
		// The embedded sample as it is: hls.js picks a variant itself.
		{name: "sample", media: sampleMedia()},
		// Only the AES-128 variant: hls.js fetches the key from the key
		// server on the page's origin, with the credentials the playlist
		// handler put on its URL (or the session cookie in cookies mode).
		{name: "aes", media: onlyVariant(t, "enc/index.m3u8"),
			fetched: []string{"page 200 GET /keys/sample/enc/enc.key", "GET /sample/enc/seg-2.ts"}},
	} {
		for _, mode := range allModes {
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				st := startRealStack(t, mode, tc.media, sampleKeys(), false)
				state, events := openPlayerPage(t, tools["chromium"], st, "")
				start := time.Now()
				s := waitPage(state, 60*time.Second, func(s pageState) bool {
					return s.Status == "error" || (s.Fragments >= 3 && s.CurrentTime > 1)
				})
				t.Logf("after %v: hls.js %s, %d fragments, currentTime %.2f s, status %q, %d CDN requests, page log %q",
					time.Since(start).Round(time.Millisecond), s.HLSVersion, s.Fragments, s.CurrentTime, s.Status,
					len(st.cdn.Log()), s.Log)

				assert.Equal(t, wantVersion, s.HLSVersion, "the page runs the npm copy of hls.js, served at /hls.js")
				assert.Empty(t, s.Errors, "hls.js fatal errors")
				assert.Empty(t, hlsJSErrors(s.Log), "hls.js errors, fatal or not")
				assert.Equal(t, "playing", s.Status)
				assert.GreaterOrEqual(t, s.Fragments, 3, "fragments loaded")
				assert.Greater(t, s.CurrentTime, 1.0, "seconds played")
				assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
				assertAllServed(t, st.cdn)
				source := "by url"
				if mode == playlist.ModeCookies {
					source = "by cookies" // sent cross-port with xhr.withCredentials, SameSite=Lax
				}
				for _, e := range st.cdn.Log() {
					assert.Contains(t, cdnLine(e), source, "credentials from the mode's carrier")
				}
				assert.True(t, st.log.contains("page 200 GET /sign"), "the page got credentials from the sign endpoint")
				for _, f := range tc.fetched {
					assert.True(t, st.log.contains(f), "no request %q in the stack's log", f)
				}
			})
		}
	}

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
