package hlstest

import (
	"context"
	"crypto"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

// runClock moves clock forward by step every millisecond of real time until
// the test ends: a stream running 20 times faster than real time.
func runClock(t *testing.T, clock *testClock, step time.Duration) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				clock.Set(clock.Now().Add(step))
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// TestLiveThroughCloudFront mounts a LiveOrigin at a behavior of the
// simulator, on a fast clock, and plays both presentations with signed
// cookies; then makes a blocking reload through it.
func TestLiveThroughCloudFront(t *testing.T) {
	clock := newTestClock(liveAt(30, 0))
	runClock(t, clock, 20*time.Millisecond)
	origin := &LiveOrigin{Now: clock.Now, Start: liveT0, KeyRotation: 4, PollInterval: time.Millisecond}
	cf := NewUnstartedCloudFront(NewS3Origin(fstest.MapFS{}))
	cf.Keys, cf.Now = []Key{ECDSAKey()}, func() time.Time { return t0 }
	cf.Behaviors = []Behavior{{PathPattern: "/live/*", Origin: http.StripPrefix("/live", origin),
		Query: ForwardOnly("_HLS_msn", "_HLS_part", "_HLS_skip")}}
	cf.Start()
	defer cf.Close()

	s := newSigner(t, ECDSAKey(), crypto.SHA256)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	site, err := url.Parse(cf.URL + "/")
	require.NoError(t, err)
	jar.SetCookies(site, mustCookies(t, s, policy.New(cf.URL+"/live/*", t0.Add(time.Hour))))

	for _, tc := range []struct {
		name  string
		root  string
		kinds []Kind
	}{
		{name: "LowLatency", root: LiveLowLatencyPath, kinds: []Kind{KindVariant, KindRendition, KindMap, KindSegment, KindPart, KindPreloadHint}},
		{name: "TS", root: LiveTSPath, kinds: []Kind{KindVariant, KindSegment, KindKey}},
	} {
		t.Run("Live "+tc.name, func(t *testing.T) {
			report, err := (&Player{Client: cf.Client(), Jar: jar, MaxSegments: 3}).Play(context.Background(), cf.URL+"/live/"+tc.root)
			require.NoError(t, err)
			RequirePlayable(t, report)
			for _, k := range tc.kinds {
				assert.Positive(t, report.Count(k), "%s fetched", k)
			}
		})
	}

	t.Run("LowLatency blocking reload", func(t *testing.T) {
		c := cf.Client()
		c.Jar = jar
		resp, body := get(t, c, cf.URL+"/live/ll/low/index.m3u8")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		hint := parseLiveMedia(t, body).hint
		var msn, part int
		_, err := fmt.Sscanf(hint, `TYPE=PART,URI="seg%d.part%d.m4s"`, &msn, &part)
		require.NoError(t, err, hint)
		cf.Reset()
		resp, body = get(t, c, fmt.Sprintf("%s/live/ll/low/index.m3u8?_HLS_msn=%d&_HLS_part=%d&_HLS_skip=YES", cf.URL, msn, part))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, fmt.Sprintf(`URI="seg%d.part%d.m4s"`, msn, part))
		assert.Contains(t, body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=")
		log := cf.Log()
		require.Len(t, log, 1)
		assert.True(t, strings.HasPrefix(log[0].OriginURI, "/live/ll/low/index.m3u8?_HLS_msn="), log[0].OriginURI)
	})
}
