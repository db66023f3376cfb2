package main

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/hlstest"
	"github.com/cfhls/cfhls/playlist"
)

// The real-client tests play presentations through the stack with the
// players users have: ffmpeg (realclients_ffmpeg_test.go) and hls.js in
// headless Chromium (realclients_browser_test.go). They need tools outside Go.
// With CFHLS_REAL_CLIENTS=1 (CI sets it) a missing tool fails the test;
// without it the test is skipped with the reason and the install command.
// With the tools installed they run either way.
const realClientsEnv = "CFHLS_REAL_CLIENTS"

// realClientsMandatory reports whether CFHLS_REAL_CLIENTS asks for the
// real-client tests to run whatever it takes.
func realClientsMandatory() bool {
	v := os.Getenv(realClientsEnv)
	return v != "" && v != "0" && v != "false"
}

// tool is an external program a real-client test needs.
type tool struct {
	name string // what to look up on PATH, or an absolute path
	pkg  string // the Debian packages that install it, space-separated
	// probe, when set, are arguments the program must run with and exit 0
	// for the tool to count as installed (a Python module, a plugin).
	probe []string
}

// install is the command that installs the tool on Debian.
func (tl tool) install() string { return aptInstall + tl.pkg }

// found remembers what find said of each tool: a probe starts a program
// (GStreamer takes a moment), and a test run asks about each tool often.
var found sync.Map // tool name -> foundTool

type foundTool struct {
	path string
	err  error
}

// find returns the tool's path, or an error saying why it is not usable;
// once per tool and test run.
func (tl tool) find() (string, error) {
	if f, ok := found.Load(tl.name); ok {
		return f.(foundTool).path, f.(foundTool).err
	}
	p, err := tl.probeOnce()
	found.Store(tl.name, foundTool{p, err})
	return p, err
}

// probeOnce looks the tool up on PATH and runs its probe.
func (tl tool) probeOnce() (string, error) {
	p, err := exec.LookPath(tl.name)
	if err != nil || len(tl.probe) == 0 {
		return p, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, p, tl.probe...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", p, strings.Join(tl.probe, " "), err, strings.TrimSpace(string(out)))
	}
	return p, nil
}

// The commands .ci/run installs the real clients with: Debian packages,
// and hls.js from npm (run from the repository's root).
const (
	aptInstall   = "apt-get install -y --no-install-recommends "
	hlsJSInstall = "cd examples/server/web && npm ci --no-audit --no-fund"
)

var (
	toolFFmpeg   = tool{name: "ffmpeg", pkg: "ffmpeg"}
	toolFFprobe  = tool{name: "ffprobe", pkg: "ffmpeg"}
	toolChromium = tool{name: "chromium", pkg: "chromium"}
	// toolGStreamer is Debian's Python with the GStreamer bindings and the
	// plugins an HLS playbin needs: hlsdemux2 and hlsdemux (-good, -bad),
	// the H.264 and AAC decoders (-libav). The absolute path: a Python on
	// PATH from elsewhere (pyenv) does not see Debian's python3-gi.
	toolGStreamer = tool{name: "/usr/bin/python3",
		pkg: "python3-gi gir1.2-gstreamer-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav",
		probe: []string{"-c", `import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); ` +
			`assert all(Gst.ElementFactory.find(e) for e in ("playbin3", "hlsdemux2", "hlsdemux", "avdec_h264")), "a GStreamer plugin is missing"`}}
	// toolVLC is VLC's command-line player with its base plugins.
	toolVLC = tool{name: "cvlc", pkg: "vlc-bin vlc-plugin-base"}
	// realClientTools are all the programs the real-client tests need.
	realClientTools = []tool{toolFFmpeg, toolFFprobe, toolChromium, toolGStreamer, toolVLC}
)

// requireTools returns the paths of the tools, or ends the test: t.Fatal
// with CFHLS_REAL_CLIENTS=1, t.Skip otherwise; both name the missing tools
// and how to install them.
func requireTools(t *testing.T, tools ...tool) map[string]string {
	t.Helper()
	paths := map[string]string{}
	var missing []string
	for _, tl := range tools {
		p, err := tl.find()
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v; install: %s)", tl.name, err, tl.install()))
			continue
		}
		paths[tl.name] = p
	}
	if len(missing) > 0 {
		missingTool(t, strings.Join(missing, ", "))
	}
	return paths
}

// skipBrowserInShort skips a headless-Chromium test under -short, saying
// why: each takes tens of seconds. CI runs without -short, where these tests
// are mandatory with CFHLS_REAL_CLIENTS=1.
func skipBrowserInShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		skips.record(&skips.short, t.Name())
		t.Skip("-short: headless Chromium playback takes tens of seconds; run without -short (as .ci/run does)")
	}
}

// skipLiveInShort skips a live real-client test under -short, saying why:
// live media plays in real time. CI runs without -short.
func skipLiveInShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		skips.record(&skips.short, t.Name())
		t.Skip("-short: a live stream plays in real time, 8 s or more per mode; run without -short (as .ci/run does)")
	}
}

// requireHLSJS returns the path of the npm-installed hls.js the page server
// serves at /hls.js, or ends the test like requireTools.
func requireHLSJS(t *testing.T) string {
	t.Helper()
	p := hlsJSPath()
	if p == "" {
		missingTool(t, "hls.js from npm (install: "+hlsJSInstall+")")
	}
	return p
}

func missingTool(t *testing.T, what string) {
	t.Helper()
	if realClientsMandatory() {
		t.Fatalf("%s=1 makes this test mandatory, but this is missing: %s", realClientsEnv, what)
	}
	skips.record(&skips.missing, t.Name())
	t.Skipf("skipped: missing %s; set %s=1 to make a missing tool a failure", what, realClientsEnv)
}

// lineLog collects the stack's log lines; the test prints them only when it
// fails. Unlike t.Logf it may be called after the test ends (by a server
// goroutine finishing a request).
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *lineLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// contains reports whether a line holds every one of parts.
func (l *lineLog) contains(parts ...string) bool {
	for _, line := range l.all() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// realStack is a stack for the real-client tests and the log of its requests.
type realStack struct {
	*stack
	clock *testClock
	log   *lineLog
}

// startRealStack starts the whole stack on loopback with the given media
// and keys, on a test clock, and prints its request log if the test fails.
func startRealStack(t *testing.T, mode playlist.Mode, media, keys fs.FS, noCORS bool) *realStack {
	t.Helper()
	clock := &testClock{t: time.Now()}
	rs := startStackConfig(t, config{mode: mode, ttl: time.Hour, media: media, keys: keys, clock: clock.Now, noCORS: noCORS})
	rs.clock = clock
	return rs
}

// startStackConfig starts the whole stack with cfg on two loopback listeners and
// a test RSA key, logging into the realStack's log, and prints the log (its
// first and last 200 lines when longer) if the test fails.
func startStackConfig(t *testing.T, cfg config) *realStack {
	t.Helper()
	var err error
	cfg.pageListener, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.cdnListener, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	key := hlstest.RSAKey()
	cfg.key, cfg.keyPairID = key.Private, key.ID
	rs := &realStack{log: &lineLog{}}
	cfg.logf = rs.log.logf
	rs.stack, err = newStack(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		rs.Close()
		if t.Failed() {
			lines := rs.log.all()
			if len(lines) > 400 {
				lines = append(lines[:200:200], append([]string{"…"}, lines[len(lines)-200:]...)...)
			}
			t.Logf("stack log (%s mode):\n%s", cfg.mode, strings.Join(lines, "\n"))
		}
	})
	return rs
}

// assertAllServed checks the simulated CloudFront's log: at least one
// request, each answered 200, 206 or 304 (a browser revalidating what its
// HTTP cache holds: Chromium's native HLS and Shaka fetch some byte ranges
// and segments twice), none refused.
func assertAllServed(t *testing.T, cdn *hlstest.CloudFront) bool {
	t.Helper()
	entries := cdn.Log()
	ok := assert.NotEmpty(t, entries, "the simulated CloudFront saw no request")
	for _, e := range entries {
		ok = assert.Contains(t, []int{http.StatusOK, http.StatusPartialContent, http.StatusNotModified}, e.Status, "not served: %s", e) && ok
	}
	return assert.Empty(t, cdn.Refusals(), "refused by the simulated CloudFront") && ok
}

// allModes are the three ways the stack hands out credentials.
var allModes = []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide, playlist.ModeCookies}
