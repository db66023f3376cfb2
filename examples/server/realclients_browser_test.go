package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// hls.js in headless Chromium: the player page of the demo (page origin and
// CDN on different ports, so CORS is real) plays the embedded sample through
// the simulated CloudFront.

// pageState is window.cfhlsState, which the player page keeps up to date,
// with what else the test reads from the page.
type pageState struct {
	Fragments     int      `json:"fragments"`
	Errors        []string `json:"errors"`
	Status        string   `json:"status"`
	URL           string   `json:"url"`
	CurrentTime   float64  `json:"currentTime"`
	Parts         int      `json:"parts"`         // LL-HLS parts hls.js loaded
	Stalls        int      `json:"stalls"`        // "waiting" events and hls.js buffer stalls after playback started
	Renewals      int      `json:"renewals"`      // times the page renewed its credentials
	Swaps         int      `json:"swaps"`         // requests whose expiring credentials the page replaced
	Issued        []string `json:"issued"`        // the Signature of every credential set the sign endpoint issued
	Latency       float64  `json:"latency"`       // hls.js's latency to the live edge, seconds
	TargetLatency float64  `json:"targetLatency"` // the latency hls.js aims for
	HLSVersion    string   `json:"hlsVersion"`    // Hls.version: which hls.js the page runs
	Log           []string `json:"log"`           // the lines of the page's visible log, non-fatal errors included
}

const readPageState = `JSON.stringify(Object.assign({}, window.cfhlsState || {}, {
	hlsVersion: (window.Hls && window.Hls.version) || "",
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
	b, err := os.ReadFile(filepath.Join("web", "package.json"))
	require.NoError(t, err)
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	require.NoError(t, json.Unmarshal(b, &pkg))
	v := pkg.Dependencies["hls.js"]
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
