package signer

import (
	"net/http"
	"slices"
)

// AddCORSHeaders adds CORS response headers when the request's Origin is in
// allowOrigins: a listed origin is echoed back with credentials allowed (what
// signed cookies need), "*" allows any origin without credentials. A
// preflight also gets the allowed methods (GET, HEAD, OPTIONS), the headers it
// asked for, and a 10-minute max age. With no match nothing is added, and the
// browser refuses the response.
func AddCORSHeaders(w http.ResponseWriter, r *http.Request, allowOrigins []string) {
	origin := r.Header.Get("Origin")
	if origin == "" || len(allowOrigins) == 0 {
		return
	}
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	switch {
	case slices.Contains(allowOrigins, origin):
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Credentials", "true")
	case slices.Contains(allowOrigins, "*"):
		hdr.Set("Access-Control-Allow-Origin", "*")
	default:
		return
	}
	if r.Method == http.MethodOptions {
		hdr.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			hdr.Set("Access-Control-Allow-Headers", req)
		}
		hdr.Set("Access-Control-Max-Age", "600")
	}
}

// ServeCORS does what every read-only handler of this module does first: it
// adds CORS headers (AddCORSHeaders), answers a preflight (OPTIONS) with 204,
// and refuses methods other than GET and HEAD with 405. It reports whether it
// answered the request; when it did, the caller is done.
func ServeCORS(w http.ResponseWriter, r *http.Request, allowOrigins []string) bool {
	AddCORSHeaders(w, r, allowOrigins)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return false
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("use GET or HEAD\n"))
	}
	return true
}
