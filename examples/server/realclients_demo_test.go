package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/playlist"
)

// The demo page in headless Chromium: the timeline, the policy panel, the
// variant selector and the refusal controls, with screenshots for people.

// screenshotsEnv names a directory the demo page test writes its
// screenshots to; unset, it takes none.
const screenshotsEnv = "CFHLS_SCREENSHOTS"

// demoState is what the test reads from the demo page beyond pageState.
type demoState struct {
	pageState
	Player      string       `json:"player"`
	Timeline    []event      `json:"timeline"`
	Refusals    []demoProbe  `json:"refusals"`
	Variants    []string     `json:"variants"`
	Variant     string       `json:"variant"`
	Policy      *policyView  `json:"policy"`
	ClockOffset float64      `json:"clockOffset"`
	DOM         demoPageText `json:"dom"`
}

// demoProbe is one use of a refusal control, as the page records it.
type demoProbe struct {
	Control  string `json:"control"`
	Status   int    `json:"status"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// demoPageText is what the page shows, as text.
type demoPageText struct {
	Mode      string   `json:"mode"`
	Resource  string   `json:"resource"`
	Countdown string   `json:"countdown"`
	IP        string   `json:"ip"`
	Refusal   string   `json:"refusal"`
	Rows      []string `json:"rows"`    // the timeline's rows, newest first, cells joined by " | "
	Players   []string `json:"players"` // the player chooser's options
	Pill      string   `json:"pill"`
	Missing   string   `json:"missing"` // what the page says is not installed, "" when it says nothing
}

const readDemoState = `JSON.stringify(Object.assign({}, window.cfhlsState || {}, {
	log: Array.from(document.querySelectorAll("#log > div"), (d) => d.textContent),
	dom: {
		mode: document.querySelector("#mode").textContent,
		resource: document.querySelector("#pol-resource").textContent,
		countdown: document.querySelector("#pol-countdown").textContent,
		ip: document.querySelector("#pol-ip").textContent,
		refusal: document.querySelector("#refusal").textContent,
		rows: Array.from(document.querySelectorAll("#timeline tbody tr"), (tr) => Array.from(tr.cells, (c) => c.textContent).join(" | ")),
		players: Array.from(document.querySelectorAll("#player-choice option"), (o) => o.textContent + (o.disabled ? " [disabled]" : "")),
		pill: document.querySelector("#state").textContent,
		missing: document.querySelector("#missing").hidden ? "" : document.querySelector("#missing").textContent
	}
}))`

// consoleLog records Chromium's own console entries (the Log domain):
// network errors and the like, which page scripts do not write.
type consoleLog struct {
	mu      sync.Mutex
	entries []string
}

func (c *consoleLog) listen(ev any) {
	if e, ok := ev.(*cdplog.EventEntryAdded); ok {
		c.mu.Lock()
		c.entries = append(c.entries, fmt.Sprintf("%s %s: %s (%s)", e.Entry.Level, e.Entry.Source, e.Entry.Text, shortURL(e.Entry.URL)))
		c.mu.Unlock()
	}
}

func (c *consoleLog) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.entries...)
}

// openDemoPage opens the page like openPlayerPage, and returns the tab to
// drive it with and Chromium's console entries too.
func openDemoPage(t *testing.T, chromium string, st *realStack, query string) (context.Context, func() demoState, *browserEvents, *consoleLog) {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromiumFlags(chromium, profile), chromedp.WindowSize(1280, 900))...)
	chromeLog := &lineLog{}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(chromeLog.logf))
	events := &browserEvents{urls: map[network.RequestID]string{}}
	console := &consoleLog{}
	chromedp.ListenTarget(tab, events.listen)
	chromedp.ListenTarget(tab, console.listen)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Chromium:\n%s\nconsole entries:\n  %s\nchromedp errors:\n  %s", events.report(),
				strings.Join(console.all(), "\n  "), strings.Join(chromeLog.all(), "\n  "))
		}
		_ = chromedp.Cancel(tab)
		cancelTab()
		cancelAlloc()
		cancel()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	require.NoError(t, chromedp.Run(tab, chromedp.Navigate(st.pageURL+"/"+query)), "Chromium opens the player page")
	return tab, func() demoState {
		var raw string
		require.NoError(t, chromedp.Run(tab, chromedp.Evaluate(readDemoState, &raw)))
		var s demoState
		require.NoError(t, json.Unmarshal([]byte(raw), &s), "page state %s", raw)
		return s
	}, events, console
}

// waitDemo polls the page until done says so or 30 s have passed, and
// returns the last state.
func waitDemo(state func() demoState, done func(demoState) bool) demoState {
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := state()
		if done(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// screenshot writes a full-page PNG to $CFHLS_SCREENSHOTS/name.png, when set.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		t.Logf("%s is not set: no screenshot %q", screenshotsEnv, name)
		return
	}
	var png []byte
	require.NoError(t, chromedp.Run(tab, chromedp.FullScreenshot(&png, 100)))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(p, png, 0o644))
	t.Logf("screenshot: %s", p)
}

// hasEvent reports whether the timeline has an event that ok accepts.
func hasEvent(s demoState, ok func(event) bool) bool {
	for _, e := range s.Timeline {
		if ok(e) {
			return true
		}
	}
	return false
}

var countdown = regexp.MustCompile(`^\(in \d+:\d\d:\d\d\)$`)

// wholeCredential matches a policy or signature value longer than the 6
// characters the timeline shows.
var wholeCredential = regexp.MustCompile(`(Policy|Signature)(-PREFIX)?=[A-Za-z0-9_~-]{7,}`)

// TestRealClientDemoPage drives the demo page with hls.js in headless
// Chromium, in every mode: the timeline shows the login, the sign call and
// CloudFront's decisions; the policy panel shows the resource and a
// countdown; the video plays; the AES-128 variant can be picked by name;
// each refusal control gets a refusal from the simulated CloudFront with the
// reason it should have, in the timeline and on the page; and Chromium
// reports no console error but the refusals' own 403s.
func TestRealClientDemoPage(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	requireHLSJS(t)
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			st := startRealStack(t, mode, sampleMedia(), sampleKeys(), false)
			tab, state, events, console := openDemoPage(t, tools["chromium"], st, "")

			s := waitDemo(state, func(s demoState) bool {
				return s.Status == "error" || (s.Policy != nil && len(s.DOM.Rows) >= 3 && hasEvent(s, func(e event) bool { return e.Who == "cdn" }))
			})
			screenshot(t, tab, "1-loaded-"+mode.String())
			assert.Equal(t, mode.String()+" mode", s.DOM.Mode)
			require.True(t, hasEvent(s, func(e event) bool { return e.Who == "page" && e.Path == "/login" && e.Decision == "allowed" }), "login on the timeline: %q", s.DOM.Rows)
			require.True(t, hasEvent(s, func(e event) bool { return e.Who == "page" && e.Path == "/sign?id=sample" && e.Status == 200 }), "sign on the timeline: %q", s.DOM.Rows)
			require.True(t, hasEvent(s, func(e event) bool {
				return e.Who == "cdn" && strings.HasPrefix(e.Path, "/sample/master.m3u8") && e.Decision == "allowed"
			}), "the master playlist on the timeline: %q", s.DOM.Rows)
			assert.Equal(t, st.cdnURL()+"/sample/*", s.DOM.Resource, "the policy's resource")
			assert.Regexp(t, countdown, s.DOM.Countdown)
			assert.Equal(t, "none: any IP address", s.DOM.IP)
			assert.Contains(t, s.DOM.Players, "hls.js")
			assert.Contains(t, s.DOM.Players, "the browser's own HLS", "canPlayType says maybe: native is offered")

			// The AES-128 variant, by name: hls.js gets its key from the key
			// server on the page's origin.
			s = waitDemo(state, func(s demoState) bool { return len(s.Variants) == 3 })
			require.ElementsMatch(t, []string{"320×180 · 181 kb/s", "640×360 · 307 kb/s", "320×180 · 181 kb/s · AES-128"}, s.Variants)
			aes := slices.Index(s.Variants, "320×180 · 181 kb/s · AES-128")
			require.NoError(t, chromedp.Run(tab, chromedp.SetValue("#variant", strconv.Itoa(aes), chromedp.ByQuery))) // fires "change"
			s = waitDemo(state, func(s demoState) bool {
				return s.Status == "error" || (s.Variant == "320×180 · 181 kb/s · AES-128" && s.CurrentTime > 1 &&
					hasEvent(s, func(e event) bool { return strings.HasPrefix(e.Path, "/keys/sample/enc/enc.key") }))
			})
			screenshot(t, tab, "2-playing-"+mode.String())
			assert.Equal(t, "playing", s.Status)
			assert.Equal(t, "320×180 · 181 kb/s · AES-128", s.Variant)
			assert.True(t, hasEvent(s, func(e event) bool {
				return e.Who == "page" && strings.HasPrefix(e.Path, "/keys/sample/enc/enc.key") && e.Status == 200
			}), "the key request on the timeline: %q", s.DOM.Rows)
			assert.Greater(t, s.CurrentTime, 1.0)
			s = waitDemo(state, func(s demoState) bool { return s.Status != "playing" })
			assert.Equal(t, "ended", s.Status, "the 6-second sample ends")
			assert.Equal(t, "ended", s.DOM.Pill)

			for _, tc := range []struct {
				button, control, reason, decision string
			}{
				{"#tamper", "tamper", "bad signature", "refused"},
				{"#other", "other", "resource does not match", "refused"},
				{"#jump", "clock", "expired", "refused"},
				{"#jump", "clock-reset", "", "allowed"}, // put back: the same credentials pass again
			} {
				t.Run(tc.control, func(t *testing.T) {
					before := len(state().Refusals)
					require.NoError(t, chromedp.Run(tab, chromedp.Click(tc.button, chromedp.ByQuery)))
					s := waitDemo(state, func(s demoState) bool { return len(s.Refusals) > before })
					require.Len(t, s.Refusals, before+1, "the page shows the answer")
					got := s.Refusals[before]
					assert.Equal(t, tc.control, got.Control)
					assert.Equal(t, tc.decision, got.Decision)
					if tc.decision == "allowed" {
						assert.Equal(t, 200, got.Status)
						assert.Contains(t, s.DOM.Refusal, "CloudFront allowed it: 200")
						assert.Zero(t, s.ClockOffset)
						return
					}
					assert.Equal(t, 403, got.Status)
					assert.Contains(t, got.Reason, tc.reason)
					assert.Contains(t, s.DOM.Refusal, "CloudFront refused it: 403")
					assert.Contains(t, s.DOM.Refusal, tc.reason)
					assert.True(t, hasEvent(s, func(e event) bool {
						return e.Who == "cdn" && e.Decision == "refused" && strings.Contains(e.Reason, tc.reason)
					}), "a refused CDN line with the reason: %q", s.DOM.Rows)
					assert.Contains(t, s.DOM.Rows[0]+"\n"+strings.Join(s.DOM.Rows, "\n"), tc.reason, "the timeline shows the reason")
					if tc.control == "tamper" {
						screenshot(t, tab, "3-refused-"+mode.String())
					}
					if tc.control == "clock" {
						screenshot(t, tab, "4-expired-"+mode.String())
						assert.Positive(t, s.ClockOffset)
						assert.Regexp(t, `^\(expired \d+:\d\d:\d\d ago\)$`, s.DOM.Countdown)
					}
				})
			}

			s = state()
			for _, row := range s.DOM.Rows {
				assert.NotRegexp(t, wholeCredential, row, "a whole policy or signature on the timeline")
			}
			assert.Empty(t, s.Errors)
			// Picking a variant makes hls.js abort the load in flight, which
			// it reports as a non-fatal "aborted" (INTERNAL_ABORTED).
			assert.Empty(t, slices.DeleteFunc(hlsJSErrors(s.Log), func(e string) bool { return e == "networkError aborted" }),
				"hls.js errors, fatal or not")
			// The same variant switch may abort a segment load in flight:
			// Chromium reports it as net::ERR_ABORTED. Any other failure
			// fails the test.
			assert.Empty(t, slices.DeleteFunc(slices.Clone(events.failures), func(f string) bool {
				return strings.Contains(f, ".ts?") && strings.HasSuffix(f, "net::ERR_ABORTED")
			}), "failed requests")
			assert.Empty(t, events.console, "console messages and exceptions from the page")
			// Chromium logs each 403 as "Failed to load resource": the three
			// forced refusals, and nothing else.
			entries := console.all()
			assert.Len(t, entries, 3, "console entries: %q", entries)
			for _, e := range entries {
				assert.Contains(t, e, "status of 403", "only the forced refusals: %s", e)
				assert.Contains(t, e, "/sample/master.m3u8")
			}
			assert.Len(t, st.cdn.Refusals(), 3, "the simulated CloudFront refused the three probes, and nothing of the player's")
		})
	}
}

// TestRealClientDemoPageWithoutPlayers: without npm ci, the chooser offers
// only the browser's own HLS and the page names what is missing and the
// command that installs it; the video plays, and a forced refusal shows its
// reason (screenshots 5-native-playing and 6-native-refused: what a
// newcomer sees with no internet and no npm ci).
func TestRealClientDemoPageWithoutPlayers(t *testing.T) {
	skipBrowserInShort(t)
	tools := requireTools(t, toolChromium)
	st := startStackConfig(t, config{mode: playlist.ModePropagate, ttl: time.Hour, media: sampleMedia(), keys: sampleKeys(),
		clock: time.Now, noHLSJS: true})
	tab, state, events, console := openDemoPage(t, tools["chromium"], st, "")
	s := waitDemo(state, func(s demoState) bool { return s.Status == "error" || s.CurrentTime > 1 })
	assert.Equal(t, "playing", s.Status)
	assert.Equal(t, "native", s.Player)
	assert.Equal(t, []string{"hls.js (not installed) [disabled]", "Shaka Player (not installed) [disabled]",
		"video.js (VHS) (not installed) [disabled]", "the browser's own HLS"}, s.DOM.Players)
	assert.Equal(t, "Not installed on this machine: hls.js, Shaka Player, video.js (VHS). One command installs them all: "+
		"(cd examples/server/web && npm ci) — then reload this page.", s.DOM.Missing)
	assert.Contains(t, s.Log, "hls.js is not installed (run (cd examples/server/web && npm ci) for it); playing with the browser's own HLS")
	assert.Empty(t, s.Variants, "the browser's own HLS offers no choice of variant")
	screenshot(t, tab, "5-native-playing")

	require.NoError(t, chromedp.Run(tab, chromedp.Click("#tamper", chromedp.ByQuery)))
	s = waitDemo(state, func(s demoState) bool { return len(s.Refusals) > 0 })
	require.Len(t, s.Refusals, 1, "the page shows the answer")
	assert.Equal(t, 403, s.Refusals[0].Status)
	assert.Contains(t, s.DOM.Refusal, "CloudFront refused it: 403")
	assert.Contains(t, s.DOM.Refusal, "bad signature")
	assert.True(t, hasEvent(s, func(e event) bool {
		return e.Who == "cdn" && e.Decision == "refused" && strings.Contains(e.Reason, "bad signature")
	}), "a refused CDN line with the reason: %q", s.DOM.Rows)
	screenshot(t, tab, "6-native-refused")
	assert.Empty(t, events.failures)
	entries := console.all()
	assert.Len(t, entries, 1, "console entries: only the forced refusal's 403: %q", entries)
	for _, e := range entries {
		assert.Contains(t, e, "status of 403")
	}
}
