package main

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// TestRealClientLiveLowLatencySoak is the long run: hls.js plays the LL-HLS
// channel in real time for CFHLS_SOAK (such as 10m) with credentials of 4
// minutes in buckets of 2 minutes (CFHLS_SOAK_MODE picks the mode;
// propagate by default), and reports refusals, stalls, latency and the
// request rate. It is not part of CI: it skips, saying so, unless
// CFHLS_SOAK is set.
//
//	CFHLS_SOAK=10m go test -run TestRealClientLiveLowLatencySoak -v -timeout 30m ./examples/server
func TestRealClientLiveLowLatencySoak(t *testing.T) {
	soak := os.Getenv("CFHLS_SOAK")
	if soak == "" {
		t.Skip("CFHLS_SOAK is not set: the soak run plays for minutes in real time; set CFHLS_SOAK=10m to run it")
	}
	played, err := time.ParseDuration(soak)
	require.NoError(t, err, "CFHLS_SOAK")
	mode := playlist.ModePropagate
	if m := os.Getenv("CFHLS_SOAK_MODE"); m != "" {
		mode, err = playlist.ParseMode(m)
		require.NoError(t, err, "CFHLS_SOAK_MODE")
	}
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	st := startLiveStack(t, mode, 4*time.Minute, 2*time.Minute)
	state, events := openPlayerPageFor(t, tools["chromium"], st, "?id=live/ll", played+5*time.Minute)
	start := time.Now()
	var sum float64
	var n int
	var maxLatency float64
	var first float64 = -1
	next := start.Add(time.Minute)
	s := waitPage(state, played+2*time.Minute, func(s pageState) bool {
		if s.Status == "error" {
			return true
		}
		if first < 0 && s.CurrentTime > 0 {
			first = s.CurrentTime
		}
		if first >= 0 && s.CurrentTime-first > 4 && s.Latency > 0 {
			sum += s.Latency
			n++
			maxLatency = max(maxLatency, s.Latency)
		}
		if time.Now().After(next) {
			next = next.Add(time.Minute)
			t.Logf("%v: currentTime %.1f s, latency %.2f s, %d stalls, %d renewals", time.Since(start).Round(time.Second), s.CurrentTime, s.Latency, s.Stalls, s.Renewals)
		}
		return first >= 0 && s.CurrentTime-first >= played.Seconds()
	})
	elapsed := time.Since(start)
	tr := readLiveTraffic(t, st)
	mean := 0.0
	if n > 0 {
		mean = sum / float64(n)
	}
	t.Logf("soak, %s mode, %v of playback: latency mean %.2f s, max %.2f s (PART-HOLD-BACK %.2f s); %d stalls; %d renewals; %d requests to the CDN (%.0f/min), %d refused; hls.js errors %q",
		mode, elapsed.Round(time.Second), mean, maxLatency, livePartHoldBack.Seconds(), s.Stalls, s.Renewals,
		tr.requests, float64(tr.requests)/elapsed.Minutes(), tr.refused, hlsJSErrors(s.Log))
	assert.Empty(t, s.Errors)
	assert.Zero(t, tr.refused)
	assert.Zero(t, s.Stalls)
	assert.Empty(t, events.corsBlocked())
}
