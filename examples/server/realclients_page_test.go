package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// pageState is window.cfhlsState, which the player page keeps up to date,
// with what else the test reads from the page.
type pageState struct {
	Fragments     int      `json:"fragments"`
	Errors        []string `json:"errors"`
	Status        string   `json:"status"`
	URL           string   `json:"url"`
	CurrentTime   float64  `json:"currentTime"`
	Duration      float64  `json:"duration"`      // the video element's duration, once known
	Parts         int      `json:"parts"`         // LL-HLS parts hls.js loaded
	Stalls        int      `json:"stalls"`        // "waiting" events and hls.js buffer stalls after playback started
	Renewals      int      `json:"renewals"`      // times the page renewed its credentials
	Swaps         int      `json:"swaps"`         // requests whose expiring credentials the page replaced
	Issued        []string `json:"issued"`        // the Signature of every credential set the sign endpoint issued
	Latency       float64  `json:"latency"`       // hls.js's latency to the live edge, seconds
	TargetLatency float64  `json:"targetLatency"` // the latency hls.js aims for
	HLSVersion    string   `json:"hlsVersion"`    // Hls.version: which hls.js the page runs
	VideoFrames   int      `json:"videoFrames"`   // frames the video element decoded (getVideoPlaybackQuality)
	Log           []string `json:"log"`           // the lines of the page's visible log, non-fatal errors included
}

const readPageState = `JSON.stringify(Object.assign({}, window.cfhlsState || {}, {
	hlsVersion: (window.Hls && window.Hls.version) || "",
	videoFrames: ((v) => (v && v.getVideoPlaybackQuality) ? v.getVideoPlaybackQuality().totalVideoFrames : 0)(document.querySelector("video")),
	log: Array.from(document.querySelectorAll("#log > div"), (d) => d.textContent)
}))`

// browserEvents records what Chromium reports while the page runs: console
// messages, uncaught exceptions and failed requests (with CORS reasons).
type browserEvents struct {
	mu       sync.Mutex
	urls     map[network.RequestID]string
	console  []string
	failures []string // "URL: error text [CORS error]"
	cors     []corsBlock
}

// corsBlock is a request Chromium did not hand to the page because of CORS.
type corsBlock struct {
	url    string
	reason network.CorsError // such as MissingAllowOriginHeader
}

func (b *browserEvents) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.urls[ev.RequestID] = ev.Request.URL
	case *network.EventLoadingFailed:
		u := b.urls[ev.RequestID]
		line := fmt.Sprintf("%s: %s", shortURL(u), ev.ErrorText)
		if ev.CorsErrorStatus != nil {
			line += fmt.Sprintf(" [CORS %s %s]", ev.CorsErrorStatus.CorsError, ev.CorsErrorStatus.FailedParameter)
			b.cors = append(b.cors, corsBlock{url: u, reason: ev.CorsErrorStatus.CorsError})
		}
		b.failures = append(b.failures, line)
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			if a.Value != nil {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.console = append(b.console, "exception: "+msg)
	}
}

func (b *browserEvents) report() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return "console:\n  " + strings.Join(b.console, "\n  ") + "\nfailed requests:\n  " + strings.Join(b.failures, "\n  ")
}

func (b *browserEvents) corsBlocked() []corsBlock {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]corsBlock(nil), b.cors...)
}

// shortURL drops the (long) query of a URL for messages.
func shortURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// chromiumFlags are the flags the test starts Chromium with: headless,
// without the sandbox (CI runs as root), GPU, background traffic or QUIC,
// with autoplay allowed.
func chromiumFlags(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
}

// openPlayerPage starts a fresh headless Chromium, with a profile of its
// own (so no cookies or cache from another test), on the stack's player
// page with query (such as "?id=live/ll"; "" for the default sample with
// hls.js), and closes it when the test ends. It returns a function that
// reads the page's state, and what Chromium reported.
func openPlayerPage(t *testing.T, chromium string, st *realStack, query string) (func() pageState, *browserEvents) {
	t.Helper()
	return openPlayerPageFor(t, chromium, st, query, 2*time.Minute)
}

// openPlayerPageFor is openPlayerPage with the browser's lifetime: within.
func openPlayerPageFor(t *testing.T, chromium string, st *realStack, query string, within time.Duration) (func() pageState, *browserEvents) {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromiumFlags(chromium, profile)...)
	chromeLog := &lineLog{}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(chromeLog.logf))
	events := &browserEvents{urls: map[network.RequestID]string{}}
	chromedp.ListenTarget(tab, events.listen)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Chromium:\n%s\nchromedp errors:\n  %s", events.report(), strings.Join(chromeLog.all(), "\n  "))
		}
		_ = chromedp.Cancel(tab) // closes the browser and waits for it
		cancelTab()
		cancelAlloc()
		cancel()
		// Chromium's helper processes may still write to the profile for a
		// moment after the browser has exited, and t.TempDir's cleanup
		// tries only once: remove it here first, with retries.
		var err error
		for range 50 {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("removing Chromium's profile: %v", err)
	})
	start := time.Now()
	require.NoError(t, chromedp.Run(tab), "Chromium starts")
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	require.NoError(t, chromedp.Run(tab, chromedp.Navigate(st.pageURL+"/"+query)), "Chromium opens the player page")
	return func() pageState {
		var raw string
		require.NoError(t, chromedp.Run(tab, chromedp.Evaluate(readPageState, &raw)))
		var s pageState
		require.NoError(t, json.Unmarshal([]byte(raw), &s), "page state %s", raw)
		return s
	}, events
}

// waitPage polls the page until done says so or the time is up, and
// returns the last state.
func waitPage(state func() pageState, within time.Duration, done func(pageState) bool) pageState {
	deadline := time.Now().Add(within)
	for {
		s := state()
		if done(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// npmHLSJSVersion is the hls.js version package.json pins.
func npmHLSJSVersion(t *testing.T) string {
	t.Helper()
	v := npmVersion("hls.js")
	require.NotEmpty(t, v, "web/package.json pins hls.js")
	return v
}

// benignHLSJSErrors are non-fatal hls.js error events that are not
// failures: its gap controller reporting that it skipped a hole in the
// buffer (the sample's video starts 21 ms after its audio, so hls.js seeks
// over that at the start) or nudged playback on a stall (a busy CI machine).
var benignHLSJSErrors = map[string]bool{
	"mediaError bufferSeekOverHole": true,
	"mediaError bufferNudgeOnStall": true,
	"mediaError bufferStalledError": true,
}

// hlsJSErrors returns the hls.js error events the page logged ("networkError
// fragLoadError (HTTP 403)"), except the benign ones.
func hlsJSErrors(log []string) []string {
	var errs []string
	for _, line := range log {
		e, ok := strings.CutPrefix(line, "hls.js error: ")
		if ok && !benignHLSJSErrors[e] {
			errs = append(errs, e)
		}
	}
	return errs
}
