package playlist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"
)

// DefaultMaxLineBytes is the longest line a Rewriter accepts when
// [Rewriter.MaxLineBytes] is not set: 1 MiB.
const DefaultMaxLineBytes = 1 << 20

// flushBytes is how much output Rewrite gathers before it writes to dst.
const flushBytes = 32 << 10

// Rewriter puts credentials on the URIs of an HLS playlist as it streams
// through, and copies every other byte unchanged.
//
// It finds URIs in every place RFC 8216 (and its draft successor) puts them,
// plus the non-standard EXT-X-IMAGE-STREAM-INF and EXT-X-PREFETCH; see [Kind].
// An in-scope URI gets [Rewriter.Query] added to its query, and when it names
// a nested playlist ([Kind.Nested]) also [Rewriter.Carry]. A URI is in scope
// when it is relative, or absolute (or network-path) on the scheme and host of
// [Rewriter.Base] or [Rewriter.Rebase]; [Rewriter.InScope] replaces that rule,
// except for the URIs that resolvers could read differently, which are never
// in scope (see Scope in the package documentation).
// Never touched, whatever the options: those URIs, URIs whose scheme or host
// could come from a variable the playlist does not define, URIs with a scheme
// other than http and https (data:, skd:, ...), the URI of an EXT-X-KEY or
// EXT-X-SESSION-KEY with
// METHOD=NONE, URI-valued attributes that are not quoted strings, comments
// (lines starting with '#' but not "#EXT", even when they hold URI="..."),
// and tags the Rewriter does not know.
//
// The text of a URI is kept byte for byte: relative URIs stay relative
// (unless [Rewriter.Rebase] is set), nothing is percent-encoded or decoded,
// and {$name} variable references stay as they are; the credentials go after
// '?' or '&' as the URI's own query needs, behind its query and in front of
// any #fragment (see [AddQuery]). Outside URIs, output equals input: tags,
// attribute order, whitespace, blank lines, each line's LF or CRLF, and a
// last line without a line ending.
//
// Configure a Rewriter by setting its fields before first use; the zero
// value copies a playlist through unchanged while checking it. A Rewriter
// is cheap to make (one per request is fine) and safe for concurrent use
// once configured: Rewrite only reads its fields. The functions it holds
// are then called concurrently too.
type Rewriter struct {
	// Base is the URL of the playlist being rewritten: relative URIs are
	// resolved against it (for InScope, KeyURI and Hook), and its scheme and
	// host are the default scope. Nil means the playlist's URL is unknown:
	// only relative URIs are then in scope by default.
	Base *url.URL

	// Rebase, when set, moves relative URIs onto another server: a relative
	// reference (a path, "../x", "/root/x", "?q"; not "//host/x") is resolved
	// against Rebase instead of Base, by RFC 3986 and without escaping
	// anything, and written as an absolute URL. Use it to serve a playlist
	// from one place (a backend at Base) while its URIs point at another (the
	// CDN at Rebase): give the URL the playlist has there, or its directory
	// with a trailing slash. Rebase must be an absolute http or https URL.
	// Absolute URIs are not rebased, nor are KindRenditionReport URIs, which HLS
	// requires to stay relative. Rebase's scheme and host join the default
	// scope. Nil means relative URIs stay relative.
	Rebase *url.URL

	// Query is appended to the query of every in-scope URI, for example
	// "Policy=...&Signature=...&Key-Pair-Id=..." (a leading '?' or '&' is
	// ignored). It must not hold control characters, spaces, '"' or '#'.
	// Empty means none.
	Query string

	// Carry is appended, after Query, to in-scope URIs of nested playlists
	// only ([Kind.Nested]: variant, rendition, I-frame, image, rendition
	// report), so that the next playlist's request carries what the server
	// rewriting it needs, for example the "-PREFIX" copies of the
	// credentials that CloudFront does not strip. Same rules as Query. Empty
	// means none.
	Carry string

	// InScope, when set, decides which http(s) and relative URIs get
	// credentials (or go to KeyURI and Hook), replacing the default rule. It
	// gets the URI resolved as for [URI.URL] and its kind. It is never asked
	// about URIs that resolvers could read differently, or whose scheme or
	// host could come from an unknown variable: those stay untouched. Nil
	// means the default scope described on [Rewriter].
	//
	// InScope, KeyURI and Hook need the URI parsed with net/url, so when one
	// of them applies, a URI that net/url cannot parse (a {$name} in the
	// host, a bad %-escape) is left alone, and the URI costs allocations:
	// without them, Rewrite allocates nothing per URI.
	InScope func(u *url.URL, k Kind) bool

	// KeyURI, when set, replaces the URI of every in-scope EXT-X-KEY and
	// EXT-X-SESSION-KEY (METHOD other than NONE) by the string it returns,
	// written as it is (no Query is added; use [AddQuery] to add one): send
	// keys to a key server. It gets the URI resolved as for [URI.URL]. An
	// error stops the rewrite and is returned wrapped. Nil means keys are
	// treated like every other URI.
	KeyURI func(u *url.URL) (string, error)

	// Hook, when set, is called for every in-scope URI (except keys when
	// KeyURI is set) and the string it returns is written in the URI's place,
	// as it is: sign each URI yourself, for example. [URI.Default] holds
	// what would have been written without the hook, and
	// [URI.MediaSequence] and [URI.ProgramDateTime] which media segment the
	// URI belongs to and when it starts. An error stops the
	// rewrite and is returned wrapped. The replacement must not be empty,
	// hold a line feed or NUL, hold '"' inside a quoted attribute, or start
	// with '#' on a URI line. Nil means the default rule.
	Hook func(u URI) (string, error)

	// MaxLineBytes is the longest line accepted, in bytes, not counting its
	// line ending. A longer line fails with ErrLineTooLong. Zero or negative
	// means DefaultMaxLineBytes.
	MaxLineBytes int

	// AllowSteering lets playlists with EXT-X-CONTENT-STEERING through when
	// the Rewriter has credentials to add. A steering server's answer can
	// clone every pathway onto another host, queries and credentials
	// included, so set it only when you control every steering server your
	// playlists may name and what they answer. False fails such playlists
	// with ErrUnsafe.
	AllowSteering bool

	// segmentQuery, set by a Handler, replaces Query for the URIs that
	// belong to a media segment (see [URI.MediaSequence]): it gets the
	// URI's kind, the segment's media sequence number and
	// PROGRAM-DATE-TIME, and the URI as written.
	segmentQuery func(k Kind, seq uint64, pdt time.Time, uri []byte) (string, error)
	// keyQuery, set by a Handler, replaces KeyURI: it also gets the query
	// the key's URI would have had, to append to the key server's URL.
	keyQuery func(u *url.URL, query string) (string, error)
}

// Rewrite reads a playlist from src and writes it to dst with credentials
// on its URIs (see [Rewriter]). Memory use does not depend on the size of
// the playlist, only on its longest line.
//
// Output goes to dst in whole lines, in writes of about 32 KiB and one last
// write at the end. If Rewrite fails, what dst has received is the output for
// some whole lines before the line at which the error was found (those of the
// writes already made), and nothing at all when the output before the error
// was shorter than 32 KiB; a caller that has not seen a write can still
// answer with an error of its own. Rewrite returns a [*ParseError] for input
// that is not a playlist it can pass on, a [*URIError] (with the line) when
// KeyURI or Hook fails, and errors from src and dst wrapped (errors.Is and
// errors.As see through all of them).
func (rw *Rewriter) Rewrite(dst io.Writer, src io.Reader) error {
	cfg, err := rw.config()
	if err != nil {
		return err
	}
	s := getState(&cfg)
	defer putState(s)
	s.nr = nulReader{r: src, s: s}
	lr := &s.lr
	lr.br.Reset(&s.nr)
	for {
		raw, err := lr.next(cfg.limit)
		if err == io.EOF {
			break
		}
		if err == ErrLineTooLong {
			return s.tooLong(s.line + 1)
		}
		if err != nil {
			return fmt.Errorf("playlist: reading line %d: %w", s.line+1, err)
		}
		if err := s.processLine(raw); err != nil {
			return err
		}
		if len(s.out) >= flushBytes {
			if err := write(dst, s.out); err != nil {
				return err
			}
			s.out = s.out[:0]
		}
	}
	if err := s.finish(); err != nil {
		return err
	}
	if len(s.out) == 0 {
		return nil
	}
	return write(dst, s.out)
}

// AppendRewrite is Rewrite for a playlist held in memory: it appends the
// rewritten src to dst and returns the extended slice. On error it returns
// dst as it was passed (its spare capacity may have been written to) and the
// same errors as Rewrite. src and dst must not overlap.
func (rw *Rewriter) AppendRewrite(dst, src []byte) ([]byte, error) {
	cfg, err := rw.config()
	if err != nil {
		return dst, err
	}
	s := getState(&cfg)
	defer putState(s)
	pooled := s.out
	defer func() { s.out = pooled }()
	s.out = dst
	if i := bytes.IndexByte(src, 0); i >= 0 {
		s.nul = int64(i)
	}
	for len(src) > 0 {
		raw := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			raw = src[:i+1]
		}
		src = src[len(raw):]
		if err := s.processLine(raw); err != nil {
			return dst, err
		}
	}
	if err := s.finish(); err != nil {
		return dst, err
	}
	return s.out, nil
}

// write writes b to w, all of it or an error.
func write(w io.Writer, b []byte) error {
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("playlist: writing: %w", err)
	}
	return nil
}

// config is what Rewrite needs from a Rewriter, checked and prepared once
// per call.
type config struct {
	query, carry string
	origins      [2]scopeHost
	nOrigins     int
	base         *url.URL
	rebase       *url.URL
	rb           base // rebase, split
	limit        int
	inScope      func(*url.URL, Kind) bool
	keyURI       func(*url.URL) (string, error)
	keyQuery     func(*url.URL, string) (string, error)
	hook         func(URI) (string, error)
	segQuery     func(Kind, uint64, time.Time, []byte) (string, error)
	simple       bool // no InScope, Hook, Rebase or segQuery: URI lines take the fast path
	creds        bool // Query, Carry, Hook, KeyURI or segQuery: there is something to leak
	track        bool // Hook or segQuery: follow media sequence numbers and dates
	steering     bool // AllowSteering
}

var errRebase = errors.New("must be an absolute http or https URL with a host")

func (rw *Rewriter) config() (config, error) {
	var c config
	if rw == nil {
		c.limit, c.simple = DefaultMaxLineBytes, true
		return c, nil
	}
	c.query, c.carry = trimQuery(rw.Query), trimQuery(rw.Carry)
	if err := checkParams("Query", c.query); err != nil {
		return c, err
	}
	if err := checkParams("Carry", c.carry); err != nil {
		return c, err
	}
	c.limit = rw.MaxLineBytes
	if c.limit <= 0 {
		c.limit = DefaultMaxLineBytes
	}
	if c.limit > math.MaxInt-16 {
		c.limit = math.MaxInt - 16
	}
	c.base, c.rebase = rw.Base, rw.Rebase
	if rw.Base != nil && rw.Base.Host != "" {
		c.origins[c.nOrigins] = makeScopeHost(rw.Base.Scheme, rw.Base.Host)
		c.nOrigins++
	}
	if r := rw.Rebase; r != nil {
		if r.Host == "" || r.Opaque != "" || !equalFold([]byte(r.Scheme), "http") && !equalFold([]byte(r.Scheme), "https") {
			return c, fmt.Errorf("playlist: Rebase %q %w", r.Redacted(), errRebase)
		}
		c.origins[c.nOrigins] = makeScopeHost(r.Scheme, r.Host)
		c.nOrigins++
		c.rb = newBase(r)
	}
	c.inScope, c.keyURI, c.hook = rw.InScope, rw.KeyURI, rw.Hook
	c.keyQuery, c.segQuery = rw.keyQuery, rw.segmentQuery
	if c.keyQuery != nil {
		c.keyURI = nil
	}
	c.simple = c.inScope == nil && c.hook == nil && c.rebase == nil && c.segQuery == nil
	c.creds = c.query != "" || c.carry != "" || c.hook != nil || c.keyURI != nil || c.keyQuery != nil || c.segQuery != nil
	c.track = c.hook != nil || c.segQuery != nil
	c.steering = rw.AllowSteering
	return c, nil
}

// checkParams rejects text that cannot be appended to a URI in a playlist.
func checkParams(field, q string) error {
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c < ' ', c == 0x7f, c == ' ', c == '"', c == '#':
			return fmt.Errorf("playlist: %s holds %q at byte %d, which cannot go into a playlist URI", field, c, i)
		}
	}
	return nil
}

// credentialNames are the parameters of a signed URL.
var credentialNames = []string{"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}

// credentialParam reports whether name is a parameter that carries
// credentials in a playlist's URL: a signed URL's own, or one named in Query
// or Carry (the carried copies), compared without regard to case.
func (c *config) credentialParam(name []byte) bool {
	for _, n := range credentialNames {
		if equalFold(name, n) {
			return true
		}
	}
	for _, q := range [2]string{c.query, c.carry} {
		for q != "" {
			var p string
			p, q, _ = strings.Cut(q, "&")
			p, _, _ = strings.Cut(p, "=")
			if equalFold(name, p) {
				return true
			}
		}
	}
	return false
}
