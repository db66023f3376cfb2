package playlist

import (
	"io/fs"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// FSOrigin serves files from fsys as an origin for Handler: GET and HEAD
// with Range support (http.FileServerFS), and 404 for directories instead of
// listings.
func FSOrigin(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// RemoteOrigin forwards requests to the origin server at target (say an S3
// website endpoint or a packager) through httputil.ReverseProxy, with the
// target's Host header. Paths are joined under target's path.
//
// It sets no timeout of its own beyond http.DefaultTransport's (30 s to
// connect, 10 s for a TLS handshake, none for the answer): an LL-HLS
// blocking reload waits as long as the target holds it, until the
// viewer's request ends. When the target cannot be reached it answers
// 502; under a Handler the cause goes to the Handler's ErrorLog. An answer cut short mid-body makes
// a Handler answer 502 for playlists; other paths are streamed, so there
// the viewer's connection is dropped (under a net/http server) or the
// answer ends early.
func RemoteOrigin(target *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target) // which also sends target's Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if f, ok := w.(interface{ originFailed(error) }); ok {
				f.originFailed(err)
			} else {
				log.Printf("playlist: RemoteOrigin: %s: %v", r.URL.Path, err)
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}
