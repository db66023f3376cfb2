package playlist

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"
)

// readBufferBytes is the size of the bufio.Reader a Rewrite reads through.
const readBufferBytes = 32 << 10

// state is what one Rewrite call works with. States are pooled, so that a
// call allocates nothing per line once the pool is warm.
type state struct {
	cfg     config
	lr      lineReader
	out     []byte // output not yet written
	scratch []byte // a rebased URI
	xbuf    []byte // a URI with the playlist's variables substituted
	vars    vars   // variables defined so far
	spans   []span // URI values found on the current tag line
	line    int    // number of the current line
	pending int    // line of an EXT-X-STREAM-INF waiting for its URI, or 0
	seg     segPos // the segment in progress, followed when cfg.track
	off     int64  // input offset of the next line
	nul     int64  // input offset of the first NUL byte seen, or -1
	nr      nulReader
}

// nulReader passes reads through and notes where the first NUL byte is,
// so that lines need no NUL check of their own: one bytes.IndexByte per
// read instead of one per line.
type nulReader struct {
	r   io.Reader
	s   *state
	off int64 // bytes read so far
}

func (n *nulReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if k > 0 && k <= len(p) && n.s.nul < 0 { // (bufio rejects a bad count)
		if i := bytes.IndexByte(p[:k], 0); i >= 0 {
			n.s.nul = n.off + int64(i)
		}
	}
	n.off += int64(k)
	return k, err
}

// span is a URI value within a line.
type span struct {
	start, end int
	kind       Kind
}

var statePool = sync.Pool{
	New: func() any {
		return &state{
			lr:  lineReader{br: bufio.NewReaderSize(nil, readBufferBytes)},
			out: make([]byte, 0, flushBytes+flushBytes/2),
		}
	},
}

func getState(cfg *config) *state {
	s := statePool.Get().(*state)
	s.cfg = *cfg
	s.out = s.out[:0]
	s.line, s.pending, s.off, s.nul = 0, 0, 0, -1
	s.seg = segPos{}
	s.vars.reset()
	return s
}

// putState returns s to the pool unless a very long line made its buffers
// big, so that the pool does not pin memory.
func putState(s *state) {
	const keep = 256 << 10
	if cap(s.out) > keep || cap(s.lr.buf) > keep || cap(s.scratch) > keep || cap(s.xbuf) > keep || s.vars.bytes > keep {
		return
	}
	s.cfg = config{}
	s.lr.br.Reset(nil)
	s.nr = nulReader{}
	statePool.Put(s)
}

var bom = []byte("\xEF\xBB\xBF")

// processLine appends the output for raw, one line with its terminator, to
// s.out. On error, s.out may hold part of the line's output.
func (s *state) processLine(raw []byte) error {
	s.line++
	start := s.off
	s.off += int64(len(raw))
	if s.nul >= 0 && s.nul < s.off {
		return &ParseError{Line: s.line, Column: int(s.nul-start) + 1, Err: ErrNUL}
	}
	content, eol := splitEOL(raw)
	if len(content) > s.cfg.limit {
		return s.tooLong(s.line)
	}
	if s.line == 1 {
		if err := checkHeader(content); err != nil {
			return &ParseError{Line: 1, Err: err}
		}
		if err := s.checkLine(content, 1); err != nil {
			return err // "#EXTM3U\r#EXT-X-DEFINE…": CR-only line endings
		}
		s.out = append(s.out, raw...)
		return nil
	}
	if len(content) == 0 || content[0] != '#' {
		return s.uriLine(raw, content)
	}
	if len(content) > 8 && string(content[:8]) == "#EXTINF:" {
		// The most common tag, and not one with URIs. hls.js reads the
		// usual "#EXTINF:<duration>,<title>" to the end of the line; only
		// another shape needs a closer look.
		if s.cfg.creds && !plainExtinf(content) {
			if err := s.checkLine(content, 1); err != nil {
				return err
			}
		}
		if s.cfg.track {
			s.extinf(content)
		}
		s.out = append(s.out, raw...)
		return nil
	}
	if err := s.checkLine(content, 1); err != nil {
		return err
	}
	if !bytes.HasPrefix(content, []byte("#EXT")) {
		s.out = append(s.out, raw...) // a comment
		return nil
	}
	return s.tagLine(raw, content, eol)
}

func (s *state) tooLong(line int) error {
	return &ParseError{Line: line, Err: fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, s.cfg.limit)}
}

// finish reports what only the end of input shows.
func (s *state) finish() error {
	if s.line == 0 {
		return &ParseError{Line: 1, Err: fmt.Errorf("%w: the input is empty", ErrNotPlaylist)}
	}
	if s.pending != 0 {
		return &ParseError{Line: s.pending, Err: ErrMissingURI}
	}
	return nil
}

// checkHeader checks the first line: #EXTM3U, possibly followed by blanks
// and whatever IPTV lists put after them.
func checkHeader(content []byte) error {
	if bytes.HasPrefix(content, bom) {
		return fmt.Errorf("%w: the input starts with a UTF-8 byte order mark (EF BB BF), which HLS forbids", ErrNotPlaylist)
	}
	const tag = "#EXTM3U"
	if !bytes.HasPrefix(content, []byte(tag)) || len(content) > len(tag) && !isBlank(content[len(tag)]) {
		return ErrNotPlaylist
	}
	return nil
}

// uriLine handles a line that is not a tag or comment: blank, or a URI.
func (s *state) uriLine(raw, content []byte) error {
	st, en := trimBounds(content)
	if st < en && content[st] == '#' {
		if err := s.checkLine(content, st+1); err != nil {
			return err
		}
	}
	if st < en && bytes.HasPrefix(content[st:], []byte("#EXT")) {
		// An indented tag: players trim lines and honour it, so it is
		// read as a tag, with its indentation kept.
		s.out = append(s.out, content[:st]...)
		if len(content) > st+8 && string(content[st:st+8]) == "#EXTINF:" {
			if s.cfg.track {
				s.extinf(content[st:])
			}
			s.out = append(s.out, raw[st:]...)
			return nil
		}
		return s.tagLine(raw[st:], content[st:], raw[len(content):])
	}
	if st == en || content[st] == '#' {
		// Blank, or blanks and then a comment: nothing a player would
		// fetch.
		s.out = append(s.out, raw...)
		return nil
	}
	k := KindSegment
	if s.pending != 0 {
		k, s.pending = KindVariant, 0
	}
	t := content[st:en]
	plain := s.cfg.simple && plainPath(t)
	if !plain || st > 0 || en < len(content) {
		// A plain path holds no line break or '#'; blanks around it, or
		// any other URI, could.
		if err := s.checkLine(content, 0); err != nil {
			return err
		}
	}
	if plain {
		// The fast path: a relative path, always in scope, that takes
		// '?' and the credentials at its end.
		out := append(s.out, raw[:en]...)
		if q, c := s.cfg.query, s.cfg.carry; q != "" || k == KindVariant && c != "" {
			out = append(out, '?')
			out = append(out, q...)
			if k == KindVariant && c != "" {
				if q != "" {
					out = append(out, '&')
				}
				out = append(out, c...)
			}
		}
		s.out = append(out, raw[en:]...)
		return nil
	}
	s.out = append(s.out, content[:st]...)
	if err := s.rewriteURI(t, k, false); err != nil {
		return err
	}
	s.out = append(s.out, raw[en:]...) // trailing blanks and line ending
	// The next segment starts here (track rules out the fast path above).
	if k == KindSegment && s.cfg.track {
		s.nextSegment()
	}
	return nil
}

// checkLine fails with ErrUnsafe, when the Rewriter has credentials, if
// content holds a CR, U+2028 or U+2029 (a line break for players, not for
// the Rewriter: a tag could hide behind it), or EXT-X-DEFINE or
// EXT-X-CONTENT-STEERING at or after from, that is, anywhere but at the
// start of the line: hls.js does not read playlists line by line, and finds
// these tags inside comments, quoted values and malformed tags. Both change
// where URIs point, or let a URI take the credentials of the playlist's URL.
func (s *state) checkLine(content []byte, from int) error {
	if !s.cfg.creds || from >= len(content) {
		return nil
	}
	if breaksLine(content) {
		return &ParseError{Line: s.line, Err: fmt.Errorf("%w: a CR, U+2028 or U+2029 inside a line, where players start a new one", ErrUnsafe)}
	}
	rest := content[from:]
	for {
		i := bytes.IndexByte(rest, '#')
		if i < 0 {
			return nil
		}
		rest = rest[i:]
		if bytes.HasPrefix(rest, []byte("#EXT-X-DEFINE")) || bytes.HasPrefix(rest, []byte("#EXT-X-CONTENT-STEERING")) {
			return &ParseError{Line: s.line, Column: len(content) - len(rest) + 1,
				Err: fmt.Errorf("%w: a tag that changes where URIs point, in the middle of a line", ErrUnsafe)}
		}
		rest = rest[1:]
	}
}

// plainExtinf reports whether content, a line starting "#EXTINF:", is a
// duration (digits, at most one '.', at least one digit), then the end of
// the line or a ',' and a title with no '#' and no line break character:
// hls.js reads such a line as one tag to its end, and no tag can hide in it.
func plainExtinf(content []byte) bool {
	i, dot, digits := len("#EXTINF:"), false, false
	for ; i < len(content); i++ {
		c := content[i]
		switch {
		case '0' <= c && c <= '9':
			digits = true
		case c == '.' && !dot:
			dot = true
		default:
			goto end
		}
	}
end:
	if !digits {
		return false
	}
	if i == len(content) {
		return true
	}
	title := content[i+1:]
	return content[i] == ',' && (len(title) == 0 || bytes.IndexByte(title, '#') < 0 && !breaksLine(title))
}
