package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
)

// liveTiming is the live channels' timing, from hlstest.LiveOrigin's media:
// 1.92 s segments of three 0.64 s parts, PART-HOLD-BACK three parts.
const (
	liveSegment      = 1920 * time.Millisecond
	livePartHoldBack = 1920 * time.Millisecond
)

// startLiveStack starts the whole stack on the wall clock, as a viewer
// meets it, with credentials that last ttl, their expiries rounded up to
// bucket, and the live channels (AES-128 keys of the regular channel
// rotating every 4 segments).
func startLiveStack(t *testing.T, mode playlist.Mode, ttl, bucket time.Duration) *realStack {
	t.Helper()
	return startStackConfig(t, config{mode: mode, ttl: ttl, bucket: bucket, media: sampleMedia(), keys: sampleKeys(),
		clock: time.Now, live: &hlstest.LiveOrigin{KeyRotation: 4}})
}

// liveTraffic is what the stack's log says about a live session.
type liveTraffic struct {
	requests, refused, blocking, parts, keys, signs int
	credentials                                     map[string]bool // distinct Signature values on media URLs
	keyNames                                        map[string]bool
}

// readLiveTraffic reads the CDN's full log (every entry the stack
// observed, not only the last 1,000) and the page server's.
func readLiveTraffic(t *testing.T, st *realStack) liveTraffic {
	t.Helper()
	tr := liveTraffic{credentials: map[string]bool{}, keyNames: map[string]bool{}}
	for _, line := range st.log.all() {
		if strings.HasPrefix(line, "page 200 GET /sign") {
			tr.signs++
		}
		if !strings.HasPrefix(line, "cdn  ") {
			continue
		}
		tr.requests++
		if !strings.HasPrefix(line, "cdn  200 ") && !strings.HasPrefix(line, "cdn  206 ") {
			tr.refused++
		}
	}
	for _, e := range st.cdn.Log() { // the newest entries, with their URLs
		u, err := url.Parse(e.URL)
		require.NoError(t, err)
		q := u.Query()
		if q.Has("_HLS_msn") {
			tr.blocking++
		}
		switch {
		case strings.Contains(u.Path, ".part"):
			tr.parts++
		case strings.HasSuffix(u.Path, ".key"):
			tr.keys++
			tr.keyNames[u.Path] = true
		}
		if sig := q.Get("Signature"); sig != "" && !strings.HasSuffix(u.Path, ".m3u8") {
			tr.credentials[sig] = true
		}
	}
	return tr
}

// assertNoRefusals checks that the simulated CloudFront served every
// request of the session.
func assertNoRefusals(t *testing.T, tr liveTraffic) {
	t.Helper()
	assert.NotZero(t, tr.requests, "the simulated CloudFront saw no request")
	assert.Zero(t, tr.refused, "requests the simulated CloudFront did not answer 200 or 206")
}
