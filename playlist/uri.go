package playlist

import (
	"bytes"
	"encoding/binary"
	"net/url"
	"strings"
)

// AddQuery returns uri with query appended the way the Rewriter appends
// [Rewriter.Query]: after '?', or after '&' when uri already has a query
// (after nothing when that query ends in '?' or '&'), and before any
// #fragment. The text of uri is kept byte for byte: nothing is escaped or
// unescaped, so {$name} variable references survive. A leading '?' or '&' on
// query is ignored; an empty query returns uri unchanged.
//
// AddQuery is meant for [Rewriter.Hook] and [Rewriter.KeyURI] functions and
// for handlers that build URLs of their own.
func AddQuery(uri, query string) string {
	query = trimQuery(query)
	if query == "" {
		return uri
	}
	b := make([]byte, 0, len(uri)+1+len(query))
	return string(appendWithQuery(b, []byte(uri), query, ""))
}

// trimQuery drops the '?' and '&' a caller may have put in front of a query.
func trimQuery(q string) string {
	return strings.TrimLeft(q, "?&")
}

// appendWithQuery appends u to dst with q1 and q2 (each possibly empty)
// joined by '&' and added to u's query, before its fragment.
func appendWithQuery(dst, u []byte, q1, q2 string) []byte {
	if q1 == "" && q2 == "" {
		return append(dst, u...)
	}
	f := bytes.IndexByte(u, '#')
	if f < 0 {
		f = len(u)
	}
	pre := u[:f]
	dst = append(dst, pre...)
	if bytes.IndexByte(pre, '?') < 0 {
		dst = append(dst, '?')
	} else if last := pre[len(pre)-1]; last != '?' && last != '&' {
		dst = append(dst, '&')
	}
	dst = append(dst, q1...)
	if q1 != "" && q2 != "" {
		dst = append(dst, '&')
	}
	dst = append(dst, q2...)
	return append(dst, u[f:]...)
}

// Word-at-a-time constants for plainPath.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasZeroByte is not zero when one of the eight bytes of v is zero.
func hasZeroByte(v uint64) uint64 { return (v - lsb) &^ v & msb }

// plainPath reports whether t, a URI on its own line, is a relative
// reference with a path only: no ':' (so no scheme), no '?', no '#', and
// not starting with "//". Most segment URIs are, and for them the Rewriter
// needs no further look. It makes one pass, eight bytes at a time (the
// last word overlapping the one before), instead of a bytes.IndexByte for
// each byte looked for.
func plainPath(t []byte) bool {
	n := len(t)
	if n >= 2 && t[0] == '/' && t[1] == '/' {
		return false
	}
	if n < 8 {
		for _, c := range t {
			if c == ':' || c == '?' || c == '#' || c == '\\' {
				return false
			}
		}
		return true
	}
	for i := 0; i < n-8; i += 8 {
		if !plainWord(binary.LittleEndian.Uint64(t[i:])) {
			return false
		}
	}
	return plainWord(binary.LittleEndian.Uint64(t[n-8:]))
}

// plainWord reports whether none of the eight bytes of v is ':', '?', '#'
// or a backslash.
func plainWord(v uint64) bool {
	return hasZeroByte(v^(lsb*':'))|hasZeroByte(v^(lsb*'?'))|hasZeroByte(v^(lsb*'#'))|hasZeroByte(v^(lsb*'\\')) == 0
}

// hasBackslashBeforeQuery reports whether t has a backslash before its
// query or fragment.
func hasBackslashBeforeQuery(t []byte) bool {
	for _, c := range t {
		switch c {
		case '\\':
			return true
		case '?', '#':
			return false
		}
	}
	return false
}

// uriClass is what the text of a URI says about where it points.
type uriClass uint8

const (
	// classOther: a scheme other than http and https (data:, skd:, ...), or
	// an http(s) URL without a host. Never touched.
	classOther uriClass = iota
	// classRelative: a relative reference without authority: "a.ts",
	// "../a.ts", "/root/a.ts", "?q". Resolves against the playlist's URL.
	classRelative
	// classNetPath: a network-path reference, "//host/path".
	classNetPath
	// classAbsolute: an http: or https: URL with a host.
	classAbsolute
)

// classify reads the scheme and host of a URI reference without parsing it
// fully (and without allocating). A reference that starts with a {$name}
// variable has no scheme to read, so it counts as relative.
func classify(t []byte) (c uriClass, scheme, host []byte) {
	// A backslash is not allowed in a URI (RFC 3986), and browsers read it
	// as '/' (WHATWG URL): "\\evil/x" or "https://evil\\@cdn/x" point at
	// another host for them than for net/url. Such URIs are never touched.
	if hasBackslashBeforeQuery(t) {
		return classOther, nil, nil
	}
	if len(t) > 0 && isAlpha(t[0]) {
		i := 1
		for i < len(t) && schemeChars[t[i]] {
			i++
		}
		if i < len(t) && t[i] == ':' {
			scheme = t[:i]
			if !equalFold(scheme, "http") && !equalFold(scheme, "https") {
				return classOther, nil, nil
			}
			rest := t[i+1:]
			if !bytes.HasPrefix(rest, []byte("//")) {
				return classOther, nil, nil
			}
			host = hostOf(rest[2:])
			if len(host) == 0 {
				return classOther, nil, nil
			}
			return classAbsolute, scheme, host
		}
	}
	if bytes.HasPrefix(t, []byte("//")) {
		host = hostOf(t[2:])
		if len(host) == 0 {
			return classOther, nil, nil
		}
		return classNetPath, nil, host
	}
	return classRelative, nil, nil
}

// hostOf returns the host[:port] of an authority followed by the rest of a
// URL, without any userinfo.
func hostOf(a []byte) []byte {
	for i, c := range a {
		if c == '/' || c == '?' || c == '#' {
			a = a[:i]
			break
		}
	}
	if at := bytes.LastIndexByte(a, '@'); at >= 0 {
		a = a[at+1:]
	}
	return a
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// schemeChars marks the bytes RFC 3986 allows after a scheme's first letter.
var schemeChars = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = isAlpha(b) || '0' <= b && b <= '9' || b == '+' || b == '-' || b == '.'
	}
	return t
}()

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b and s are equal under ASCII case folding.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// defaultPort returns the port an http(s) scheme implies, or "".
func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// trimPort drops an empty port or the scheme's default port from host, so
// that "cdn", "cdn:" and "cdn:443" compare equal under https.
func trimPort[T string | []byte](host T, port string) T {
	n := len(host)
	if n > 0 && host[n-1] == ':' {
		return host[:n-1]
	}
	if port != "" && n > len(port) && host[n-len(port)-1] == ':' && string(host[n-len(port):]) == port {
		return host[:n-len(port)-1]
	}
	return host
}

// origin is a scheme and host the default scope covers.
type origin struct {
	scheme string
	port   string // the scheme's default port
	host   string // without the default port
}

func makeOrigin(scheme, host string) origin {
	port := defaultPort(scheme)
	return origin{scheme: scheme, port: port, host: trimPort(host, port)}
}

// matchAbsolute reports whether an absolute URL's scheme and host are o's.
func (o *origin) matchAbsolute(scheme, host []byte) bool {
	return o.host != "" && equalFold(scheme, o.scheme) && equalFold(trimPort(host, o.port), o.host)
}

// matchHost reports whether a network-path reference's host is o's (its
// scheme would be inherited).
func (o *origin) matchHost(host []byte) bool {
	return o.host != "" && equalFold(trimPort(host, o.port), o.host)
}

// base is a URL that relative references are resolved against, split once.
type base struct {
	scheme, host string
	path         string // escaped path, as in the URL
	dir          string // path up to and including its last '/'; "/" if none
	query        string // raw query
}

// newBase splits u, an absolute URL with a host.
func newBase(u *url.URL) base {
	p := u.EscapedPath()
	dir := "/"
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir = p[:i+1]
	}
	return base{scheme: u.Scheme, host: u.Host, path: p, dir: dir, query: u.RawQuery}
}

// appendResolve appends the resolution of ref, a classRelative reference,
// against b, following RFC 3986 section 5.2 (with dot-segment removal) but
// keeping ref's bytes as they are: nothing is escaped, so {$name} survives.
func (b *base) appendResolve(dst, ref []byte) []byte {
	frag := bytes.IndexByte(ref, '#')
	if frag < 0 {
		frag = len(ref)
	}
	q := bytes.IndexByte(ref[:frag], '?')
	if q < 0 {
		q = frag
	}
	path, query, fragment := ref[:q], ref[q:frag], ref[frag:]

	dst = append(dst, b.scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, b.host...)
	switch {
	case len(path) == 0:
		dst = append(dst, b.path...)
		if len(query) == 0 && b.query != "" {
			dst = append(dst, '?')
			dst = append(dst, b.query...)
		}
	case path[0] == '/':
		o := len(dst)
		dst = append(dst, path...)
		dst = dst[:o+len(removeDots(dst[o:]))]
	default:
		o := len(dst)
		dst = append(dst, b.dir...)
		dst = append(dst, path...)
		dst = dst[:o+len(removeDots(dst[o:]))]
	}
	dst = append(dst, query...)
	return append(dst, fragment...)
}

// removeDots removes "." and ".." segments from p, an absolute path (it
// starts with '/'), in place, as RFC 3986 section 5.2.4 does.
func removeDots(p []byte) []byte {
	w, r := 0, 0 // p[:w] is output, p[r:] input still to read; w <= r
	for r < len(p) {
		end := r + 1
		for end < len(p) && p[end] != '/' {
			end++
		}
		seg := p[r+1 : end]
		last := end == len(p)
		switch string(seg) {
		case ".":
			if last {
				p[w] = '/'
				w++
			}
		case "..":
			if w > 0 {
				w = bytes.LastIndexByte(p[:w], '/')
			}
			if last {
				p[w] = '/'
				w++
			}
		default:
			w += copy(p[w:], p[r:end])
		}
		r = end
	}
	if w == 0 && len(p) > 0 {
		p[0] = '/'
		w = 1
	}
	return p[:w]
}
