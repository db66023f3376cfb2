package hlstest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORS is a behavior's CORS configuration, as a CloudFront response headers
// policy holds it. CloudFront adds the headers to its own 403 refusals too:
// without them a browser reports a refused segment as a CORS error and the
// player never sees the 403.
type CORS struct {
	// AllowOrigins lists the origins allowed to read responses, such as
	// "https://player.example.com". Empty, or "*" among them, allows any
	// origin.
	AllowOrigins []string
	// AllowMethods answers preflight requests. Empty means GET and HEAD.
	AllowMethods []string
	// AllowHeaders lists the request headers a preflight may ask for.
	// Empty, or "*" among them, allows the headers the preflight names.
	AllowHeaders []string
	// ExposeHeaders lists the response headers scripts may read.
	ExposeHeaders []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true, which
	// browsers need to send signed cookies cross-origin. The allowed origin
	// is then echoed instead of "*".
	AllowCredentials bool
	// MaxAge lets browsers cache a preflight answer. Zero leaves it out.
	MaxAge time.Duration
}

// allowOrigin returns the Access-Control-Allow-Origin value for a request
// origin, or "" when the origin is not allowed.
func (c *CORS) allowOrigin(origin string) string {
	anyOrigin := len(c.AllowOrigins) == 0 || slices.Contains(c.AllowOrigins, "*")
	switch {
	case anyOrigin && !c.AllowCredentials:
		return "*"
	case anyOrigin || slices.Contains(c.AllowOrigins, origin):
		return origin
	}
	return ""
}

// apply adds the headers of a simple (non-preflight) response. It reports
// whether the request's origin is allowed.
func (c *CORS) apply(h http.Header, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if c == nil || origin == "" {
		return false
	}
	allow := c.allowOrigin(origin)
	if allow == "" {
		return false
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if allow != "*" {
		h.Add("Vary", "Origin")
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ", "))
	}
	return true
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight request: 200 with the allowed methods and
// headers when the origin is allowed, 200 without CORS headers otherwise
// (the browser then refuses the real request).
func (c *CORS) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if c.apply(h, r) {
		methods := c.AllowMethods
		if len(methods) == 0 {
			methods = []string{http.MethodGet, http.MethodHead}
		}
		h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
		if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
			if len(c.AllowHeaders) == 0 || slices.Contains(c.AllowHeaders, "*") {
				h.Set("Access-Control-Allow-Headers", asked)
			} else {
				h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ", "))
			}
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge/time.Second)))
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
