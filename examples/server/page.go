package main

import (
	_ "embed"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"github.com/cfhls/cfhls/playlist"
)

//go:embed web/index.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// pageHandler serves the player page. players says which JavaScript
// players the page server has to serve (npm ci in examples/server/web): the
// page asks only for those (no failed request in the browser's console),
// and plays with native HLS when it has none.
func pageHandler(cdnURL string, mode playlist.Mode, players func() map[string]bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pageTemplate.Execute(w, map[string]any{"CDN": cdnURL, "Mode": mode.String(), "Players": players()})
	})
}

// jsPlayers are the JavaScript players the page can use, by the name the
// page knows them by: where npm ci puts each, and the path the page server
// serves it at.
var jsPlayers = map[string]struct{ npm, path string }{
	"hlsjs":   {"hls.js/dist/hls.min.js", "/hls.js"},
	"shaka":   {"shaka-player/dist/shaka-player.compiled.js", "/shaka-player.js"},
	"videojs": {"video.js/dist/video.min.js", "/video.js"},
}

// playerPath finds a JavaScript player as installed by `npm ci` in
// examples/server/web, from the working directory or from this source
// file's directory; "" when it is not installed.
func playerPath(name string) string {
	p, ok := jsPlayers[name]
	if !ok {
		return ""
	}
	rel := filepath.Join("web", "node_modules", filepath.FromSlash(p.npm))
	candidates := []string{filepath.Join("examples", "server", rel), rel}
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), rel))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return ""
}

// hlsJSPath finds hls.js as installed by `npm ci` in examples/server/web.
func hlsJSPath() string { return playerPath("hlsjs") }

// installedPlayers says which JavaScript players npm ci installed.
func installedPlayers() map[string]bool {
	m := map[string]bool{}
	for name := range jsPlayers {
		m[name] = playerPath(name) != ""
	}
	return m
}

// servePlayer serves the npm-installed player name, or 404.
func servePlayer(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := playerPath(name)
		if p == "" {
			http.Error(w, name+" is not installed: run npm ci in examples/server/web", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, p)
	}
}
