package signer

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrDotSegment reports a request path the Verifier refuses before it looks
// at any credential: one with a dot segment ("." or "..") in any spelling —
// literal, percent-encoded in either case ("%2e", "%2E", ".%2e", "%2e.",
// "%2e%2e"), encoded more than once ("%252e"), joined by an encoded slash or
// backslash ("..%2f", "..%5c") or followed by a path parameter ("..;") — or
// with a literal backslash; and, in Verifier.VerifyRequest and the hlstest
// simulator, a request target with a literal '#', which Go's server keeps
// in the path ("/movies/1/#/../../2/a.ts"). A policy for
// "https://cdn/movies/1/*" matches "https://cdn/movies/1/../2/a.ts" as a
// string, and an origin that resolves the path would serve movie 2.
//
//	if errors.Is(err, signer.ErrDotSegment) {
//		// a traversal attempt or a broken link, not a credential problem
//	}
var ErrDotSegment = errors.New("signer: dot segment in the request path")

// maxDecodeRounds is how many times CheckPath percent-decodes a path looking
// for dot segments. No sane URL is encoded this deeply; one that still
// decodes further after that is refused.
const maxDecodeRounds = 4

// CheckPath reports whether the path of rawURL is one a Verifier accepts.
// rawURL is an absolute URL ("https://cdn/movies/1/a.ts?x=1") or a request
// URI ("/movies/1/a.ts?x=1"); the query and fragment are not examined.
//
// It returns an error wrapping ErrDotSegment when the path holds a literal
// backslash, or when a segment is "." or ".." (ignoring a ";" path parameter)
// as sent or after percent-decoding it up to maxDecodeRounds times, with
// '/' and '\' as separators once decoded. The error names the kind of
// problem, never the path. Dots inside names ("a..b.ts", ".hidden", "...")
// and encoded slashes away from dots are fine.
func CheckPath(rawURL string) error {
	p := urlPath(rawURL)
	if strings.IndexByte(p, '\\') >= 0 {
		return fmt.Errorf("%w: a literal backslash", ErrDotSegment)
	}
	for round := 0; ; round++ {
		if hasDotSegment(p) {
			if round == 0 {
				return fmt.Errorf("%w: a \".\" or \"..\" segment", ErrDotSegment)
			}
			return fmt.Errorf("%w: a percent-encoded dot segment or separator", ErrDotSegment)
		}
		next := percentDecode(p)
		if next == p {
			return nil
		}
		if round == maxDecodeRounds {
			return fmt.Errorf("%w: percent-encoded more than %d times", ErrDotSegment, maxDecodeRounds)
		}
		p = next
	}
}

// CheckRequest is CheckPath for a server request, as the Verifier's
// VerifyRequest applies it: it also refuses a literal '#' in the request
// target, which Go's server keeps in the path rather than taking for a
// fragment, so that "/movies/1/#/../../2/a.ts" is neither cut short at the
// '#' nor resolved by an origin to movie 2.
func CheckRequest(r *http.Request) error {
	if err := checkTarget(r); err != nil {
		return err
	}
	return CheckPath(RequestURL(r))
}

// checkTarget refuses a literal '#' in r's request target.
func checkTarget(r *http.Request) error {
	if strings.IndexByte(r.RequestURI, '#') >= 0 {
		return fmt.Errorf("%w: a literal '#' in the request target", ErrDotSegment)
	}
	return nil
}

// urlPath returns the path of an absolute URL or request URI as sent:
// without query and fragment, and, for an absolute URL, without scheme and
// authority. A backslash ends the authority, as it does in browsers.
func urlPath(rawURL string) string {
	s, _, _ := strings.Cut(rawURL, "#")
	s, _, _ = strings.Cut(s, "?")
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		s = s[i+len("://"):]
		j := strings.IndexAny(s, `/\`)
		if j < 0 {
			return ""
		}
		return s[j:]
	}
	return s
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// hasDotSegment reports whether a segment of p, split at '/' and '\', is
// "." or "..", ignoring anything from a ';' on.
func hasDotSegment(p string) bool {
	for p != "" {
		seg := p
		if i := strings.IndexAny(p, `/\`); i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = ""
		}
		seg, _, _ = strings.Cut(seg, ";")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// percentDecode decodes every valid %XX escape once and leaves anything
// else as it is: an invalid escape elsewhere must not stop the search.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, ok := unhex(s[i+1]); ok {
				if lo, ok := unhex(s[i+2]); ok {
					b.WriteByte(hi<<4 | lo)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
