package playlist

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors for input that is not a playlist the Rewriter can pass on.
// Rewrite returns them inside a [*ParseError]; test with [errors.Is].
var (
	// ErrNotPlaylist: the first line is not #EXTM3U (or the input is empty).
	// When the input starts with a UTF-8 byte order mark, which HLS forbids,
	// the error says so.
	ErrNotPlaylist = errors.New("not an HLS playlist: first line is not #EXTM3U")

	// ErrUnterminatedQuote: a quoted-string attribute value has no closing
	// quote on its line. Reported for the tags whose attribute lists the
	// Rewriter reads: EXT-X-STREAM-INF and every tag that carries a URI.
	ErrUnterminatedQuote = errors.New("unterminated quoted string")

	// ErrLineTooLong: a line is longer than [Rewriter.MaxLineBytes].
	ErrLineTooLong = errors.New("line too long")

	// ErrNUL: the input holds a NUL byte.
	ErrNUL = errors.New("NUL byte in playlist")

	// ErrMissingURI: an EXT-X-STREAM-INF tag is not followed by its URI line,
	// that is, the input ends, or another EXT-X-STREAM-INF comes, before the
	// next URI line. Blank lines, comments and other tags in between are
	// tolerated, as players do.
	ErrMissingURI = errors.New("EXT-X-STREAM-INF has no URI line")

	// ErrUnsafe: the playlist could lead players to send the credentials the
	// Rewriter adds, or those of the playlist's own URL, to another host, in
	// ways that no URI's text shows: a CR, U+2028 or U+2029 inside a line
	// (players start a new line there); an EXT-X-CONTENT-STEERING tag (its
	// server can move every URI to another host, query included) unless
	// [Rewriter.AllowSteering] is set; an EXT-X-DEFINE that takes a
	// credential parameter of the playlist's URL (QUERYPARAM="Policy", ...),
	// declares more than one of NAME, IMPORT and QUERYPARAM, or that players
	// could read differently; EXT-X-DEFINE or EXT-X-CONTENT-STEERING
	// anywhere but at the start of a line (hls.js finds them there). Only
	// reported when the Rewriter has credentials to add (Query, Carry, Hook
	// or KeyURI set).
	ErrUnsafe = errors.New("the playlist could send credentials to another host")
)

// ParseError is returned by [Rewriter.Rewrite] and [Rewriter.AppendRewrite]
// for input that is not a well-formed playlist. Err is one of the sentinel
// errors of this package, possibly wrapped with detail, so errors.Is works on
// a *ParseError.
type ParseError struct {
	// Line is the 1-based number of the line the error is about. For
	// ErrMissingURI it is the line of the EXT-X-STREAM-INF tag; for an empty
	// input it is 1.
	Line int
	// Column is the 1-based byte offset within the line of the offending byte
	// (the opening quote of an unterminated string, the NUL byte), or 0 when
	// the error concerns the whole line.
	Column int
	// Err is the underlying error.
	Err error
}

// Error returns "playlist: line L[, column C]: " followed by the error.
func (e *ParseError) Error() string {
	s := "playlist: line " + strconv.Itoa(e.Line)
	if e.Column > 0 {
		s += ", column " + strconv.Itoa(e.Column)
	}
	if e.Err == nil {
		return s + ": invalid playlist"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// URIError is returned, wrapped or not, when [Rewriter.KeyURI] or
// [Rewriter.Hook] fails for a URI, or returns a replacement that would break
// the playlist. errors.Is and errors.As see through it to the hook's error.
type URIError struct {
	// Line is the 1-based number of the URI's line; 0 for
	// [Rewriter.ApplyMedia] and [Rewriter.ApplyMaster], which have no lines.
	Line int
	// Kind is what the URI points at.
	Kind Kind
	// URI is the URI as the playlist wrote it.
	URI string
	// Err is the hook's error, or why its replacement was refused.
	Err error
}

// Error returns "playlist: line L: KIND URI "…": " followed by the error.
func (e *URIError) Error() string {
	s := "playlist: "
	if e.Line > 0 {
		s += "line " + strconv.Itoa(e.Line) + ": "
	}
	return s + e.Kind.String() + " URI " + strconv.Quote(e.URI) + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns e.Err.
func (e *URIError) Unwrap() error { return e.Err }
