package signer

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// VerifyRequest checks an incoming request: the URL is rebuilt as the viewer
// sent it (scheme from TLS, Host header, request URI; see RequestURL), the
// client is r.RemoteAddr, and cookies come from the Cookie header.
//
// A request target with a literal '#' is refused first, with an error
// wrapping ErrDotSegment. Browsers and players never send one (a fragment
// stays on the client), but Go's server does not treat it as a fragment: it
// keeps it in r.URL.Path, so "/movies/1/#/../../2/a.ts" is served as
// /movies/2/a.ts by a handler that cleans the path, while a URL cut at the
// '#' would match a policy for /movies/1/*. Refusing every literal '#' is
// simpler and stricter than deciding where one is harmless.
func (v *Verifier) VerifyRequest(r *http.Request, now time.Time) (Result, error) {
	rawURL := RequestURL(r)
	if err := checkTarget(r); err != nil {
		var res Result
		res.URL, _ = SplitSignedURL(rawURL)
		return res, err
	}
	return v.Verify(rawURL, r.Cookies(), RemoteIP(r), now) // Verify runs CheckPath
}

// RequestURL rebuilds the URL a viewer asked for from a server request:
// scheme (https when the connection is TLS), the Host header as sent, and the
// request URI as sent, so escaping is what the viewer used. A literal '#',
// which no fragment is in a request target (Go's server keeps it in the
// path or query), comes out as "%23", so the URL names what the server
// routes and CheckPath sees the whole path.
func RequestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if r.URL.Scheme != "" && r.URL.Host != "" {
		scheme = r.URL.Scheme
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return scheme + "://" + host + strings.ReplaceAll(uri, "#", "%23")
}

// RemoteIP returns the client address of a server request, or the zero Addr.
func RemoteIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
