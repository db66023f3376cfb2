package playlist

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// This file models, in Go, how the URL resolvers players use read a URI, so
// that tests and fuzz targets can check that every URI the Rewriter signs
// resolves to the CDN under each of them. The models are independent of the
// Rewriter's own scope code; the differential test against Node runs the
// real WHATWG URL parser and hls.js on the same corpus.

// resolver turns a URI as written in a playlist into the URL a player
// fetches, or reports that it fetches nothing over http(s).
type resolver struct {
	name    string
	resolve func(base *url.URL, raw string) (*url.URL, bool)
}

// resolvers are the three readings the scope rule must agree with.
var resolvers = []resolver{
	{"rfc3986", resolveRFC3986},
	{"whatwg", resolveWHATWG},
	{"jstrim+whatwg", func(base *url.URL, raw string) (*url.URL, bool) {
		return resolveWHATWG(base, strings.TrimFunc(raw, jsSpace))
	}},
	{"url-toolkit", resolveToolkit},
}

// resolveRFC3986 is net/url's reading (ffmpeg reads the same way).
func resolveRFC3986(base *url.URL, raw string) (*url.URL, bool) {
	u, err := base.Parse(raw)
	if err != nil {
		return nil, false
	}
	return u, true
}

// resolveWHATWG approximates the WHATWG URL parser's preprocessing for
// http(s) bases: strip leading and trailing C0 controls and spaces, remove
// tab, LF and CR anywhere, read '\' as '/' before the query, then resolve.
func resolveWHATWG(base *url.URL, raw string) (*url.URL, bool) {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	q := strings.IndexAny(s, "?#")
	if q < 0 {
		q = len(s)
	}
	s = strings.ReplaceAll(s[:q], `\`, "/") + s[q:]
	// A special scheme followed by anything but "//" is relative to a base
	// of the same scheme, and "http:/x" or "http:\\x" still has a host.
	if i := strings.IndexByte(s, ':'); i > 0 && i < q {
		scheme := strings.ToLower(s[:i])
		if scheme == "http" || scheme == "https" {
			rest := strings.TrimLeft(s[i+1:], "/")
			if scheme == base.Scheme && !strings.HasPrefix(s[i+1:], "/") {
				return resolveRFC3986(base, rest)
			}
			s = scheme + "://" + rest
		}
	}
	return resolveRFC3986(base, s)
}

// resolveToolkit approximates url-toolkit, which hls.js uses: JS trim, then
// a scheme is any run of [A-Za-z0-9+.-] before ':'.
func resolveToolkit(base *url.URL, raw string) (*url.URL, bool) {
	s := strings.TrimFunc(raw, jsSpace)
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		end = len(s)
	}
	if i := strings.IndexByte(s[:end], ':'); i >= 0 {
		if strings.Trim(s[:i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == "" {
			u, err := url.Parse(s)
			if err != nil {
				// A scheme net/url refuses ("1http"): the browser then
				// fetches it with WHATWG URL, which refuses it too.
				return nil, false
			}
			return u, true
		}
	}
	return resolveWHATWG(base, s)
}

// jsSpace is what String.prototype.trim strips: WhiteSpace and
// LineTerminator.
func jsSpace(r rune) bool {
	return r == '\ufeff' || r == '\u180e' || unicode.IsSpace(r) && r != '\u0085' || r == '\u2028' || r == '\u2029'
}

// credentialLeak reports how a URI that carries credentials could reach a
// host other than base's under some resolver, or "" when none does. raw is
// the URI as written, with credentials, after variable substitution.
func credentialLeak(base *url.URL, raw string) string {
	for _, r := range resolvers {
		u, ok := r.resolve(base, raw)
		if !ok {
			continue
		}
		scheme := strings.ToLower(u.Scheme)
		if scheme != "http" && scheme != "https" {
			continue
		}
		if scheme != base.Scheme || !strings.EqualFold(u.Host, base.Host) && !strings.EqualFold(trimPort(u.Host, defaultPort(scheme)), base.Host) {
			return fmt.Sprintf("%s resolves %q to %s://%s", r.name, raw, u.Scheme, u.Host)
		}
	}
	return ""
}
