package playlist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
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
	spans   []span // URI values found on the current tag line
	line    int    // number of the current line
	pending int    // line of an EXT-X-STREAM-INF waiting for its URI, or 0
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
type span struct{ start, end int }

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
	return s
}

// putState returns s to the pool unless a very long line made its buffers
// big, so that the pool does not pin memory.
func putState(s *state) {
	const keep = 256 << 10
	if cap(s.out) > keep || cap(s.lr.buf) > keep || cap(s.scratch) > keep {
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
		s.out = append(s.out, raw...)
		return nil
	}
	if len(content) == 0 || content[0] != '#' {
		return s.uriLine(raw, content)
	}
	if len(content) > 8 && string(content[:8]) == "#EXTINF:" {
		s.out = append(s.out, raw...) // the most common tag, and not one with URIs
		return nil
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
	if st == en || content[st] == '#' {
		// Blank, or blanks and then something that looks like a tag:
		// nothing a player would fetch.
		s.out = append(s.out, raw...)
		return nil
	}
	k := Segment
	if s.pending != 0 {
		k, s.pending = Variant, 0
	}
	t := content[st:en]
	if s.cfg.simple && plainPath(t) {
		// The fast path: a relative path, always in scope, that takes
		// '?' and the credentials at its end.
		out := append(s.out, raw[:en]...)
		if q, c := s.cfg.query, s.cfg.carry; q != "" || k == Variant && c != "" {
			out = append(out, '?')
			out = append(out, q...)
			if k == Variant && c != "" {
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
	return nil
}

// tagLine handles a line that starts with "#EXT".
func (s *state) tagLine(raw, content, eol []byte) error {
	name := content
	if c := bytes.IndexByte(content, ':'); c >= 0 {
		name = content[:c]
	}
	var k Kind
	switch string(name) {
	case "#EXT-X-STREAM-INF":
		if s.pending != 0 {
			return &ParseError{Line: s.pending, Err: ErrMissingURI}
		}
		s.pending = s.line
		if len(name) < len(content) {
			sc := newAttrScanner(content, len(name)+1)
			var a attr
			for sc.next(&a) {
			}
			if sc.bad >= 0 {
				return &ParseError{Line: s.line, Column: sc.bad + 1, Err: ErrUnterminatedQuote}
			}
		}
		s.out = append(s.out, raw...)
		return nil
	case "#EXT-X-PREFETCH":
		if len(name) == len(content) {
			break
		}
		v := content[len(name)+1:]
		st, en := trimBounds(v)
		if st == en {
			break
		}
		st += len(name) + 1
		en += len(name) + 1
		s.out = append(s.out, content[:st]...)
		if err := s.rewriteURI(content[st:en], Prefetch, false); err != nil {
			return err
		}
		s.out = append(s.out, content[en:]...)
		s.out = append(s.out, eol...)
		return nil
	case "#EXT-X-MEDIA":
		k = Rendition
	case "#EXT-X-I-FRAME-STREAM-INF":
		k = IFrame
	case "#EXT-X-IMAGE-STREAM-INF":
		k = Image
	case "#EXT-X-KEY":
		k = Key
	case "#EXT-X-SESSION-KEY":
		k = SessionKey
	case "#EXT-X-MAP":
		k = Map
	case "#EXT-X-PART":
		k = Part
	case "#EXT-X-PRELOAD-HINT":
		k = PreloadHint
	case "#EXT-X-RENDITION-REPORT":
		k = RenditionReport
	case "#EXT-X-SESSION-DATA":
		k = SessionData
	case "#EXT-X-CONTENT-STEERING":
		k = Steering
	case "#EXT-X-DATERANGE":
		k = Asset
	}
	if k == 0 || len(name) == len(content) {
		s.out = append(s.out, raw...)
		return nil
	}
	return s.attrLine(raw, content, eol, len(name)+1, k)
}

// attrLine rewrites the URI-valued attributes of a tag line whose attribute
// list starts at from.
func (s *state) attrLine(raw, content, eol []byte, from int, k Kind) error {
	s.spans = s.spans[:0]
	none := false
	sc := newAttrScanner(content, from)
	var a attr
	for sc.next(&a) {
		if (k == Key || k == SessionKey) && string(a.name) == "METHOD" {
			none = string(content[a.vs:a.ve]) == "NONE"
			continue
		}
		if !a.quoted || !uriAttr(k, a.name) {
			continue
		}
		st, en := trimBounds(content[a.vs:a.ve])
		if st < en {
			s.spans = append(s.spans, span{a.vs + st, a.vs + en})
		}
	}
	if sc.bad >= 0 {
		return &ParseError{Line: s.line, Column: sc.bad + 1, Err: ErrUnterminatedQuote}
	}
	if none || len(s.spans) == 0 {
		s.out = append(s.out, raw...)
		return nil
	}
	prev := 0
	for _, sp := range s.spans {
		s.out = append(s.out, content[prev:sp.start]...)
		if err := s.rewriteURI(content[sp.start:sp.end], k, true); err != nil {
			return err
		}
		prev = sp.end
	}
	s.out = append(s.out, content[prev:]...)
	s.out = append(s.out, eol...)
	return nil
}

// uriAttr reports whether the attribute called name holds a URI on a tag
// whose URIs are of kind k. Names match whole: URI is not X-ASSET-URI.
func uriAttr(k Kind, name []byte) bool {
	switch k {
	case Steering:
		return string(name) == "SERVER-URI"
	case Asset:
		return string(name) == "X-ASSET-URI" || string(name) == "X-ASSET-LIST"
	}
	return string(name) == "URI"
}

// rewriteURI appends the output for the URI text t of kind k to s.out.
// quoted says whether t sits inside a quoted attribute.
func (s *state) rewriteURI(t []byte, k Kind, quoted bool) error {
	c, scheme, host := classify(t)
	if c == classOther {
		s.out = append(s.out, t...)
		return nil
	}
	cfg := &s.cfg
	rebase := cfg.rebase != nil && c == classRelative && k != RenditionReport
	keyFn := cfg.keyURI != nil && (k == Key || k == SessionKey)
	if cfg.inScope == nil && cfg.hook == nil && !keyFn {
		// The fast path: no parsing, no allocation.
		if cfg.defaultScope(c, scheme, host) {
			s.out = s.appendDefault(s.out, t, k, rebase)
		} else {
			s.out = append(s.out, t...)
		}
		return nil
	}

	raw := string(t)
	b := cfg.base
	if rebase {
		b = cfg.rebase
	} else if c == classAbsolute {
		b = nil
	}
	var u *url.URL
	var err error
	if b != nil {
		u, err = b.Parse(raw)
	} else {
		u, err = url.Parse(raw)
	}
	if err != nil {
		s.out = append(s.out, t...) // not a URL net/url can read
		return nil
	}
	var in bool
	if cfg.inScope != nil {
		in = cfg.inScope(u, k)
	} else {
		in = cfg.defaultScope(c, scheme, host)
	}
	if !in {
		s.out = append(s.out, t...)
		return nil
	}
	var rep string
	switch {
	case keyFn:
		rep, err = cfg.keyURI(u)
	case cfg.hook != nil:
		def := string(s.appendDefault(nil, t, k, rebase))
		rep, err = cfg.hook(URI{Kind: k, Raw: raw, URL: u, Default: def})
	default:
		s.out = s.appendDefault(s.out, t, k, rebase)
		return nil
	}
	if err == nil {
		err = checkReplacement(rep, quoted)
	}
	if err != nil {
		if s.line == 0 { // ApplyMedia, ApplyMaster
			return fmt.Errorf("playlist: %v URI %q: %w", k, raw, err)
		}
		return fmt.Errorf("playlist: line %d: %v URI %q: %w", s.line, k, raw, err)
	}
	s.out = append(s.out, rep...)
	return nil
}

// appendDefault appends t with Query (and Carry, if k is nested) to dst,
// rebased first if rebase is set.
func (s *state) appendDefault(dst, t []byte, k Kind, rebase bool) []byte {
	carry := ""
	if k.Nested() {
		carry = s.cfg.carry
	}
	if rebase {
		s.scratch = s.cfg.rb.appendResolve(s.scratch[:0], t)
		t = s.scratch
	}
	return appendWithQuery(dst, t, s.cfg.query, carry)
}

// defaultScope is the scope rule without InScope: relative references, and
// absolute (or network-path) URLs on Base's or Rebase's scheme and host.
func (c *config) defaultScope(cl uriClass, scheme, host []byte) bool {
	switch cl {
	case classRelative:
		return true
	case classAbsolute:
		for i := range c.nOrigins {
			if c.origins[i].matchAbsolute(scheme, host) {
				return true
			}
		}
	case classNetPath:
		for i := range c.nOrigins {
			if c.origins[i].matchHost(host) {
				return true
			}
		}
	}
	return false
}

// checkReplacement rejects a KeyURI or Hook result that would break the
// playlist's structure.
func checkReplacement(r string, quoted bool) error {
	if r == "" {
		return errors.New("replacement is empty")
	}
	for i := 0; i < len(r); i++ {
		switch r[i] {
		case '\n', 0:
			return fmt.Errorf("replacement %q holds a line feed or NUL", r)
		case '"':
			if quoted {
				return fmt.Errorf("replacement %q holds '\"', which would end the quoted attribute", r)
			}
		}
	}
	if !quoted && r[0] == '#' {
		return fmt.Errorf("replacement %q starts with '#', which would turn the URI line into a comment or tag", r)
	}
	return nil
}
