package playlist

import (
	"bytes"
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
	f := bytes.IndexByte(u, '#')
	if f < 0 {
		f = len(u)
	}
	return appendQueryAt(dst, u, f, separator(u[:f]), q1, q2)
}

// separator returns what goes between pre, the text of a URI before its
// fragment, and a query appended to it: "?" when pre has no query, nothing
// when its query ends in '?' or '&', "&" otherwise.
func separator(pre []byte) string {
	if bytes.IndexByte(pre, '?') < 0 {
		return "?"
	}
	if last := pre[len(pre)-1]; last == '?' || last == '&' {
		return ""
	}
	return "&"
}

// appendQueryAt appends u to dst with sep, q1 and q2 (each possibly empty,
// joined by '&') inserted at f, the offset of u's fragment (len(u) if none).
func appendQueryAt(dst, u []byte, f int, sep, q1, q2 string) []byte {
	if q1 == "" && q2 == "" {
		return append(dst, u...)
	}
	dst = append(dst, u[:f]...)
	dst = append(dst, sep...)
	dst = append(dst, q1...)
	if q1 != "" && q2 != "" {
		dst = append(dst, '&')
	}
	dst = append(dst, q2...)
	return append(dst, u[f:]...)
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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
