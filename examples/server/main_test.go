package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMain runs the tests, then prints one line to stderr when real-client
// tests were skipped for a missing tool, which go test shows only with -v:
// which tests, and the command that installs what they need. It keeps
// m.Run's exit code.
func TestMain(m *testing.M) {
	code := m.Run()
	// Probing the tools again costs a GStreamer start: only when a test was
	// skipped for one.
	if missing, short := skips.names(); len(missing) > 0 {
		fmt.Fprintln(os.Stderr, skipSummary(missing, short, installCommand(missingTools())))
	}
	os.Exit(code)
}

// skips records the real-client tests that were skipped, by reason, for
// TestMain's summary. missingTool and the -short helpers record them.
var skips skipLog

type skipLog struct {
	mu      sync.Mutex
	missing []string // tests skipped for a missing tool
	short   []string // tests skipped for -short
}

func (l *skipLog) record(list *[]string, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, name)
}

func (l *skipLog) names() (missing, short []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.missing), slices.Clone(l.short)
}

// missingTools returns the real-client tools that are not installed, with
// one entry for the npm players when any of them is missing.
func missingTools() []tool {
	var out []tool
	for _, tl := range realClientTools {
		if _, err := tl.find(); err != nil {
			out = append(out, tl)
		}
	}
	for name := range jsPlayers {
		if playerPath(name) == "" {
			out = append(out, tool{name: name}) // from npm: no package
			break
		}
	}
	return out
}

// installCommand is one command line that installs tools: one apt-get for
// the Debian packages, then npm ci for hls.js (a tool with no package).
// With nothing to install it names .ci/run, which installs and runs all.
func installCommand(tools []tool) string {
	var pkgs, cmds []string
	npm := false
	for _, tl := range tools {
		switch {
		case tl.pkg == "":
			npm = true
		case !slices.Contains(pkgs, tl.pkg):
			pkgs = append(pkgs, tl.pkg)
		}
	}
	if len(pkgs) > 0 {
		cmds = append(cmds, aptInstall+strings.Join(pkgs, " "))
	}
	if npm {
		cmds = append(cmds, "("+hlsJSInstall+")")
	}
	if len(cmds) == 0 {
		return "bash .ci/run"
	}
	return strings.Join(cmds, " && ")
}

// skipSummary is TestMain's line: empty unless a test was skipped for a
// missing tool; then the tests, the install command, and how many more
// were skipped for -short.
func skipSummary(missing, short []string, install string) string {
	if len(missing) == 0 {
		return ""
	}
	line := fmt.Sprintf("examples/server: %d real-client test(s) skipped for a missing tool (%s); install what they need, from the repository root: %s",
		len(missing), strings.Join(missing, ", "), install)
	if len(short) > 0 {
		line += fmt.Sprintf("; %d more skipped for -short", len(short))
	}
	return line
}

func TestSkipSummary(t *testing.T) {
	ffmpeg := aptInstall + "ffmpeg"
	for _, tc := range []struct {
		name           string
		missing, short []string
		tools          []tool
		want           string
	}{
		{"nothing skipped", nil, nil, nil, ""},
		{"only -short skips", nil, []string{"TestRealClientBrowser"}, nil, ""},
		{"ffmpeg missing", []string{"TestRealClientFFmpeg"}, nil, []tool{toolFFmpeg, toolFFprobe},
			"examples/server: 1 real-client test(s) skipped for a missing tool (TestRealClientFFmpeg); " +
				"install what they need, from the repository root: " + ffmpeg},
		{"everything missing, some -short skips", []string{"TestRealClientFFmpeg", "TestRealClientLiveFFmpeg"},
			[]string{"TestRealClientBrowser"}, missingAll(),
			"examples/server: 2 real-client test(s) skipped for a missing tool (TestRealClientFFmpeg, TestRealClientLiveFFmpeg); " +
				"install what they need, from the repository root: " + aptInstall + allPackages + " && (" + hlsJSInstall + "); " +
				"1 more skipped for -short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, skipSummary(tc.missing, tc.short, installCommand(tc.tools)))
		})
	}
}

func TestInstallCommand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tools []tool
		want  string
	}{
		{"nothing missing", nil, "bash .ci/run"},
		{"one package for two tools", []tool{toolFFmpeg, toolFFprobe}, aptInstall + "ffmpeg"},
		{"hls.js only", []tool{{name: "hls.js"}}, "(" + hlsJSInstall + ")"},
		{"all", missingAll(), aptInstall + allPackages + " && (" + hlsJSInstall + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, installCommand(tc.tools))
		})
	}
}

// allPackages are the Debian packages of every real client, in the order
// realClientTools names them.
const allPackages = "ffmpeg chromium python3-gi gir1.2-gstreamer-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad " +
	"gstreamer1.0-libav vlc-bin vlc-plugin-base"

// missingAll is what missingTools returns on a machine without any of the
// real clients.
func missingAll() []tool { return append(slices.Clone(realClientTools), tool{name: "hls.js"}) }
