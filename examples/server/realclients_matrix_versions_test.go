package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// The versions the matrix proved, for the README: each client's program
// as installed, and the npm players as web/package.json pins them.

var versionRE = regexp.MustCompile(`\d+\.\d+(\.\d+)*`)

// programVersion runs bin with args and returns the first version number
// in its output, prefixed with name ("ffmpeg 5.1.9"); name alone when there
// is none.
func programVersion(name, bin string, args ...string) string {
	if bin == "" {
		return name
	}
	if name == "VLC" {
		bin, args = asNobody(bin, args)
	}
	out, _ := exec.Command(bin, args...).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), strings.ToLower(name)) {
			if v := versionRE.FindString(line); v != "" {
				return name + " " + v
			}
		}
	}
	return name
}

// npmVersion is the version web/package.json pins for package pkg.
func npmVersion(pkg string) string {
	b, err := os.ReadFile(filepath.Join("web", "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Dependencies[pkg]
}

// clientVersion says what a matrix client ran: its program's version, and
// for the page's players the npm player and Chromium.
func clientVersion(c matrixClient, tools map[string]string) string {
	switch {
	case c.name == "ffmpeg":
		return programVersion("ffmpeg", tools[toolFFmpeg.name], "-version")
	case strings.HasPrefix(c.name, "gstreamer"):
		return programVersion("GStreamer", tools[toolGStreamer.name], "-c",
			`import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())`)
	case c.name == "vlc":
		return programVersion("VLC", tools[toolVLC.name], "--version")
	}
	chromium := programVersion("Chromium", tools[toolChromium.name], "--version")
	pkg := map[string]string{"hlsjs": "hls.js", "shaka": "shaka-player", "videojs": "video.js"}[c.npm]
	if pkg == "" {
		return chromium
	}
	return pkg + " " + npmVersion(pkg) + ", " + chromium
}
