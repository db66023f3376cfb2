package main

import (
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
	name string // what to look up on PATH
	pkg  string // the Debian package that installs it
}

// install is the command that installs the tool on Debian.
func (tl tool) install() string { return aptInstall + tl.pkg }

// The commands .ci/run installs the real clients with: Debian packages,
// and hls.js from npm (run from the repository's root).
const (
	aptInstall   = "apt-get install -y --no-install-recommends "
	hlsJSInstall = "cd examples/server/web && npm ci --no-audit --no-fund"
)

var (
	toolFFmpeg   = tool{"ffmpeg", "ffmpeg"}
	toolFFprobe  = tool{"ffprobe", "ffmpeg"}
	toolChromium = tool{"chromium", "chromium"}
	// realClientTools are all the programs the real-client tests need.
	realClientTools = []tool{toolFFmpeg, toolFFprobe, toolChromium}
)

// requireTools returns the paths of the tools, or ends the test: t.Fatal
// with CFHLS_REAL_CLIENTS=1, t.Skip otherwise; both name the missing tools
// and how to install them.
func requireTools(t *testing.T, tools ...tool) map[string]string {
	t.Helper()
	paths := map[string]string{}
	var missing []string
	for _, tl := range tools {
		p, err := exec.LookPath(tl.name)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (install: %s)", tl.name, tl.install()))
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
// request, each answered 200 or 206, none refused.
func assertAllServed(t *testing.T, cdn *hlstest.CloudFront) bool {
	t.Helper()
	entries := cdn.Log()
	ok := assert.NotEmpty(t, entries, "the simulated CloudFront saw no request")
	for _, e := range entries {
		ok = assert.Contains(t, []int{http.StatusOK, http.StatusPartialContent}, e.Status, "not served: %s", e) && ok
	}
	return assert.Empty(t, cdn.Refusals(), "refused by the simulated CloudFront") && ok
}

// allModes are the three ways the stack hands out credentials.
var allModes = []playlist.Mode{playlist.ModePropagate, playlist.ModeServerSide, playlist.ModeCookies}
