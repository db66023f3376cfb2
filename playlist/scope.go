package playlist

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// The scope rule (stated for users in the package documentation): a URI gets
// credentials only when every resolver players use reads the same host from
// it. Three readings matter:
//   - RFC 3986, as Go's net/url and ffmpeg resolve;
//   - the WHATWG URL parser (browsers' native playback, video.js, Shaka),
//     which strips leading and trailing C0 controls and spaces, removes tab,
//     CR and LF anywhere, and reads '\' as '/';
//   - hls.js, which trims URIs with JavaScript's String.prototype.trim (all
//     Unicode spaces, NBSP, the BOM, U+2028 and U+2029) and reads a scheme
//     from any run of [A-Za-z0-9+.-] before ':'.
// A URI on which they could differ is classOther: left byte for byte.

// plainPath reports whether t, a URI on its own line, is a relative
// reference with a path only, which every resolver reads the same way: no
// ':' (so no scheme), no '?', no '#', no '\', no '{' (no variable), no
// control byte or DEL, no byte 0xE2 (which starts U+2028 and U+2029, line
// breaks for hls.js), no space or non-ASCII byte at either end, and not
// starting with "//". Most segment URIs are, and for them the Rewriter needs
// no further look. It makes one pass with a table lookup per byte, which on
// URIs of segment length beats both a bytes.IndexByte per byte looked for
// and eight-bytes-at-a-time bit tricks.
func plainPath(t []byte) bool {
	n := len(t)
	if n == 0 {
		return true
	}
	if t[0] >= utf8.RuneSelf || t[n-1] >= utf8.RuneSelf || t[0] == ' ' || t[n-1] == ' ' {
		return false
	}
	if n >= 2 && t[0] == '/' && t[1] == '/' {
		return false
	}
	for _, c := range t {
		if notPlain[c] {
			return false
		}
	}
	return true
}

// notPlain marks the bytes that take a URI off plainPath.
var notPlain = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range []byte{':', '?', '#', '\\', '{', 0x7f, 0xe2} { // 0xe2: U+2028, U+2029
		t[c] = true
	}
	return t
}()

// ambiguous reports whether resolvers could read t differently because of
// the bytes it holds: a control byte or DEL anywhere (WHATWG URL removes tab,
// CR and LF inside a URL, and CR ends a line for some parsers), U+2028 or
// U+2029 anywhere (hls.js ends a tag's line there), or a space,
// a Unicode space, a BOM or invalid UTF-8 at either end (WHATWG URL and
// String.prototype.trim strip them; RFC 3986 keeps them).
func ambiguous(t []byte) bool {
	for _, c := range t {
		if c < ' ' || c == 0x7f {
			return true
		}
	}
	if len(t) == 0 {
		return false
	}
	if breaksLine(t) {
		return true // U+2028 or U+2029: hls.js ends a tag's line there
	}
	if t[0] == ' ' || t[len(t)-1] == ' ' {
		return true
	}
	if t[0] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeRune(t); trimmedRune(r) {
			return true
		}
	}
	if t[len(t)-1] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeLastRune(t); trimmedRune(r) {
			return true
		}
	}
	return false
}

// trimmedRune reports whether some resolver strips r from the end of a URI:
// the Unicode spaces, U+FEFF (BOM), U+180E (a space in older Unicode), and
// the error rune of invalid UTF-8, which decoders turn into U+FFFD or drop.
func trimmedRune(r rune) bool {
	return r == utf8.RuneError || r == 0xFEFF || r == 0x180E || unicode.IsSpace(r)
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
	// classOther: a scheme other than http and https (data:, skd:, ...), an
	// http(s) URL without a host or with userinfo, or text that resolvers
	// could read differently. Never touched.
	classOther uriClass = iota
	// classRelative: a relative reference without authority: "a.ts",
	// "../a.ts", "/root/a.ts", "?q". Resolves against the playlist's URL.
	classRelative
	// classNetPath: a network-path reference, "//host/path".
	classNetPath
	// classAbsolute: an http: or https: URL with a host.
	classAbsolute
)

// firstDelim returns the index of the first '/', '?' or '#' in t, or len(t).
func firstDelim(t []byte) int {
	for i, c := range t {
		if c == '/' || c == '?' || c == '#' {
			return i
		}
	}
	return len(t)
}

// classify reads the scheme and host of a URI reference without parsing it
// fully (and without allocating). t is the URI's text with the playlist's
// variables substituted.
func classify(t []byte) (c uriClass, scheme, host []byte) {
	// A backslash is not allowed in a URI (RFC 3986), and browsers read it
	// as '/' (WHATWG URL): "\\evil/x" or "https://evil\\@cdn/x" point at
	// another host for them than for net/url.
	if ambiguous(t) || hasBackslashBeforeQuery(t) {
		return classOther, nil, nil
	}
	// A ':' before the first '/', '?' or '#' ends a scheme for hls.js even
	// where RFC 3986 sees none ("1http://evil/x"): only http and https
	// schemes, spelled as RFC 3986 allows, are read further.
	if i := bytes.IndexByte(t[:firstDelim(t)], ':'); i >= 0 {
		scheme = t[:i]
		if !equalFold(scheme, "http") && !equalFold(scheme, "https") {
			return classOther, nil, nil
		}
		rest := t[i+1:]
		if !bytes.HasPrefix(rest, []byte("//")) {
			return classOther, nil, nil
		}
		host, ok := authority(rest[2:])
		if !ok {
			return classOther, nil, nil
		}
		return classAbsolute, scheme, host
	}
	if bytes.HasPrefix(t, []byte("//")) {
		host, ok := authority(t[2:])
		if !ok {
			return classOther, nil, nil
		}
		return classNetPath, nil, host
	}
	return classRelative, nil, nil
}

// authority returns the host[:port] at the start of a, the rest of a URL
// after "//". It refuses an empty host and userinfo: "cdn@evil" and
// "evil@cdn" are read differently by enough software to never be in scope.
func authority(a []byte) ([]byte, bool) {
	a = a[:firstDelim(a)]
	if len(a) == 0 || a[0] == ':' || bytes.IndexByte(a, '@') >= 0 {
		return nil, false
	}
	return a, true
}

// authorityFixed reports whether p, the text of a URI before a variable
// reference whose value is unknown, already fixes the URI's scheme and host
// whatever the value: p ends the authority (or, for a relative reference,
// the first path segment) with '/', '?' or '#', or p starts a first segment
// that no value can turn into "http:", "https:" or "//".
func authorityFixed(p []byte) bool {
	e := firstDelim(p)
	if e == len(p) {
		// Still in the first segment: the value could supply a scheme, and
		// an http or https one when p could begin it.
		return len(p) > 0 && bytes.IndexByte(p, ':') < 0 && !prefixOfHTTPS(p)
	}
	if bytes.IndexByte(p[:e], ':') >= 0 || e == 0 && bytes.HasPrefix(p, []byte("//")) {
		// "https://host" or "//host": the authority must be ended too.
		s := bytes.Index(p, []byte("//"))
		if s < 0 {
			return false
		}
		return firstDelim(p[s+2:]) < len(p)-s-2
	}
	if e == 0 && p[0] == '/' {
		return len(p) >= 2 // "/x…": a root path, never "//"
	}
	return true // a first segment without ':', then '/', '?' or '#'
}

// prefixOfHTTPS reports whether p begins "https" in any case, so that a
// variable after it could complete the scheme http or https.
func prefixOfHTTPS(p []byte) bool {
	return len(p) <= len("https") && equalFold(p, "https"[:len(p)])
}
