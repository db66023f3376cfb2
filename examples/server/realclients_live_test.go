package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// playLive plays the page's presentation for at least played seconds of
// media, and returns the last state and the highest latency to the live
// edge hls.js reported after the first few seconds (0 for a native
// player). Playback must keep pace with the wall clock: played seconds of
// media within played plus 3 s.
func playLive(t *testing.T, state func() pageState, played time.Duration) (pageState, float64) {
	t.Helper()
	var first float64 = -1
	var firstAt time.Time
	var maxLatency float64
	s := waitPage(state, played+40*time.Second, func(s pageState) bool {
		if s.Status == "error" {
			return true
		}
		if first < 0 && s.CurrentTime > 0 {
			first, firstAt = s.CurrentTime, time.Now()
		}
		if first >= 0 && s.CurrentTime-first > 4 && s.Latency > maxLatency {
			maxLatency = s.Latency
		}
		return first >= 0 && s.CurrentTime-first >= played.Seconds()
	})
	require.GreaterOrEqual(t, first, 0.0, "playback started")
	assert.GreaterOrEqual(t, s.CurrentTime-first, played.Seconds(), "seconds of media played")
	assert.LessOrEqual(t, time.Since(firstAt), played+3*time.Second, "playback kept pace with the wall clock")
	return s, maxLatency
}

// TestRealClientLiveLowLatencyHLSJS plays the LL-HLS channel with hls.js in
// low-latency mode in headless Chromium, in every mode, for 12 s of media on
// credentials that last 6 s in buckets of 2 s: blocking reloads, parts, no
// refusal, no stall, latency within 1.5 x PART-HOLD-BACK, and the
// credentials renewed (by the page in propagate and cookies modes, by the
// rewriting origin for each new segment in server-side mode) across at
// least three buckets.
func TestRealClientLiveLowLatencyHLSJS(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startLiveStack(t, mode, 6*time.Second, 2*time.Second)
			state, events := openPlayerPage(t, tools["chromium"], st, "?id=live/ll")
			start := time.Now()
			s, maxLatency := playLive(t, state, 12*time.Second)
			tr := readLiveTraffic(t, st)
			elapsed := time.Since(start)
			t.Logf("%s after %v: currentTime %.2f s, latency %.2f s (max %.2f, target %.2f), %d parts, %d stalls, %d renewals; CDN: %d requests (%.0f/min), %d blocking reloads, %d parts, %d credential sets, %d refused",
				mode, elapsed.Round(time.Millisecond), s.CurrentTime, s.Latency, maxLatency, s.TargetLatency,
				s.Parts, s.Stalls, s.Renewals, tr.requests, float64(tr.requests)/elapsed.Minutes(), tr.blocking, tr.parts, len(tr.credentials), tr.refused)

			assert.Empty(t, s.Errors, "hls.js fatal errors")
			assert.Empty(t, hlsJSErrors(s.Log), "hls.js errors, fatal or not")
			assert.Equal(t, "playing", s.Status)
			assert.Zero(t, s.Stalls, "playback stalled after it started")
			assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
			assertNoRefusals(t, tr)
			assert.Positive(t, tr.blocking, "blocking playlist reloads (_HLS_msn)")
			assert.Positive(t, tr.parts, "parts fetched")
			require.Positive(t, maxLatency, "hls.js reported its latency to the live edge")
			assert.LessOrEqual(t, maxLatency, 1.5*livePartHoldBack.Seconds(), "latency to the live edge")
			switch mode {
			case playlist.ModeCookies:
				assert.GreaterOrEqual(t, tr.signs, 3, "cookies renewed across buckets")
			case playlist.ModePropagate:
				assert.GreaterOrEqual(t, s.Renewals, 2, "credentials renewed by the page")
				assert.GreaterOrEqual(t, len(tr.credentials), 3, "credential sets on media requests")
			case playlist.ModeServerSide:
				// The rewriting origin's own credentials, not the ones the
				// page swaps in for expiring ones: signed per segment.
				minted := map[string]bool{}
				for sig := range tr.credentials {
					if !slices.Contains(s.Issued, sig) {
						minted[sig] = true
					}
				}
				// The viewer's cap (ServerSide.Viewer) makes minted
				// credentials expire with the viewer's, so the page swaps
				// many in their last seconds: how many minted sets remain
				// depends on timing. At least one, all served, shows the
				// rewriting origin's signatures play (a broken one fails
				// this test at once); TestRealClientLiveNative and
				// TestRealClientLiveFFmpeg count its sets per bucket.
				require.NotEmpty(t, s.Issued, "the page recorded what the sign endpoint issued")
				assert.NotEmpty(t, minted, "credential sets the rewriting origin minted, on media requests, all served")
				assert.GreaterOrEqual(t, len(tr.credentials), 3, "credential sets on media requests")
			}
		})
	}
}

// TestRealClientLiveNative plays the regular live channel (MPEG-TS,
// AES-128 keys rotating every 4 segments) with Chromium's own HLS, no
// JavaScript player, in every mode, for 12 s of media across buckets of
// 2 s. A native player has no request hook: its credentials are the ones
// on the URLs it was given, so in propagate and server-side modes they must
// last the session (60 s here); in cookies mode the page renews the cookies
// the browser sends for the player, so 6 s credentials do.
func TestRealClientLiveNative(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			ttl := 60 * time.Second
			if mode == playlist.ModeCookies {
				ttl = 6 * time.Second
			}
			st := startLiveStack(t, mode, ttl, 2*time.Second)
			state, events := openPlayerPage(t, tools["chromium"], st, "?id=live/ts&player=native")
			start := time.Now()
			s, _ := playLive(t, state, 12*time.Second)
			tr := readLiveTraffic(t, st)
			elapsed := time.Since(start)
			t.Logf("%s after %v: currentTime %.2f s, %d stalls, %d renewals; CDN: %d requests (%.0f/min), %d keys (%d distinct), %d credential sets, %d refused",
				mode, elapsed.Round(time.Millisecond), s.CurrentTime, s.Stalls, s.Renewals, tr.requests, float64(tr.requests)/elapsed.Minutes(),
				tr.keys, len(tr.keyNames), len(tr.credentials), tr.refused)

			assert.Empty(t, s.Errors, "media errors")
			assert.Equal(t, "playing", s.Status)
			assert.Empty(t, events.corsBlocked(), "requests Chromium blocked for CORS")
			assertNoRefusals(t, tr)
			assert.GreaterOrEqual(t, len(tr.keyNames), 2, "AES-128 keys as they rotate")
			switch mode {
			case playlist.ModeCookies:
				assert.GreaterOrEqual(t, tr.signs, 3, "cookies renewed across buckets")
			case playlist.ModeServerSide:
				assert.GreaterOrEqual(t, len(tr.credentials), 3, "segments signed in the bucket they appeared in")
			}
		})
	}
}

// TestRealClientLiveFFmpeg plays the regular live channel with ffmpeg,
// decoding every frame of 12 s, in every mode, across buckets of 2 s.
func TestRealClientLiveFFmpeg(t *testing.T) {
	skipLiveInShort(t)
	tools := requireTools(t, toolFFmpeg)
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startLiveStack(t, mode, 60*time.Second, 2*time.Second)
			c := newFFmpegClient(t, st, mode, "live/ts")
			args := []string{"-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:1", "-xerror"}
			args = append(args, c.args()...)
			args = append(args, "-map", "0", "-t", "12", "-f", "null", "-")
			start := time.Now()
			stdout, stderr, err := runTool(t, tools["ffmpeg"], args...)
			require.NoError(t, err, "ffmpeg: %s", stderr)
			elapsed := time.Since(start)
			seconds := lastOutTime(stdout)
			tr := readLiveTraffic(t, st)
			t.Logf("%s after %v: %.2f s decoded; CDN: %d requests (%.0f/min), %d keys (%d distinct), %d credential sets, %d refused",
				mode, elapsed.Round(time.Millisecond), seconds, tr.requests, float64(tr.requests)/elapsed.Minutes(),
				tr.keys, len(tr.keyNames), len(tr.credentials), tr.refused)

			assert.Empty(t, stderr, "ffmpeg errors")
			assert.GreaterOrEqual(t, seconds, 11.5, "seconds decoded")
			assertNoRefusals(t, tr)
			assert.GreaterOrEqual(t, len(tr.keyNames), 2, "AES-128 keys as they rotate")
			if mode == playlist.ModeServerSide {
				assert.GreaterOrEqual(t, len(tr.credentials), 3, "segments signed in the bucket they appeared in")
			}
		})
	}
}

// lastOutTime is the last out_time ffmpeg's -progress reported, in seconds.
func lastOutTime(progress string) float64 {
	m := outTimeRE.FindAllStringSubmatch(progress, -1)
	if len(m) == 0 {
		return 0
	}
	var us int64
	_, _ = fmt.Sscan(m[len(m)-1][1], &us)
	return float64(us) / 1e6
}

// TestRealClientVODLongerThanCredentials plays the 6 s sample with hls.js
// keeping 1 s buffered, on credentials that last 2 s (rounded up to 1 s
// buckets): segments are fetched after the first credentials expired, and
// served, because the page renews them (cookies), and swaps the fresh ones
// into every request (propagate, server-side). A film longer than its
// credentials is the same problem as a live channel, solved the same way.
func TestRealClientVODLongerThanCredentials(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startLiveStack(t, mode, 2*time.Second, time.Second)
			state, events := openPlayerPage(t, tools["chromium"], st, "?id=sample&buffer=1")
			s := waitPage(state, 45*time.Second, func(s pageState) bool {
				return s.Status == "error" || s.CurrentTime > 5.5
			})
			entries := st.cdn.Log()
			require.NotEmpty(t, entries)
			firstExpiry := entries[0].Time.Add(3 * time.Second) // TTL 2 s, rounded up to a 1 s bucket
			var late int
			for _, e := range entries {
				if strings.Contains(e.URL, ".ts") && e.Time.After(firstExpiry) {
					late++
				}
			}
			tr := readLiveTraffic(t, st)
			t.Logf("%s: currentTime %.2f s, %d renewals, %d sign requests, %d segments fetched after the first credentials expired, %d refused",
				mode, s.CurrentTime, s.Renewals, tr.signs, late, tr.refused)

			assert.Empty(t, s.Errors, "hls.js fatal errors")
			assert.Empty(t, hlsJSErrors(s.Log), "hls.js errors, fatal or not")
			assert.Greater(t, s.CurrentTime, 5.5, "the whole sample played")
			assert.Empty(t, events.corsBlocked())
			assertNoRefusals(t, tr)
			assert.Positive(t, late, "segments fetched after the first credentials expired")
			assert.Positive(t, s.Renewals, "credentials renewed by the page")
		})
	}
}
