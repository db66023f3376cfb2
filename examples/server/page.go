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

// pageHandler serves the player page. hlsJS says whether the page server
// has hls.js to serve: without it the page does not ask for it (no failed
// request in the browser's console) and plays with native HLS.
func pageHandler(cdnURL string, mode playlist.Mode, hlsJS func() bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pageTemplate.Execute(w, map[string]any{"CDN": cdnURL, "Mode": mode.String(), "HLSJS": hlsJS()})
	})
}

// hlsJSPath finds hls.js as installed by `npm ci` in examples/server/web,
// from the working directory or from this source file's directory.
func hlsJSPath() string {
	rel := filepath.Join("web", "node_modules", "hls.js", "dist", "hls.min.js")
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

// serveHLSJS serves the npm-installed hls.js, or 404 so the page falls back
// to the browser's own HLS (it loads nothing from the internet).
func serveHLSJS(w http.ResponseWriter, r *http.Request) {
	p := hlsJSPath()
	if p == "" {
		http.Error(w, "hls.js is not installed: run npm ci in examples/server/web", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	http.ServeFile(w, r, p)
}
