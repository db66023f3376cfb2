package playlist

import (
	"bufio"
	"bytes"
	"io"
)

// lineReader splits its input into lines the way encoding/csv does: with
// bufio.Reader.ReadSlice, falling back to an accumulation buffer only for
// lines longer than the bufio.Reader's buffer.
type lineReader struct {
	br  *bufio.Reader
	buf []byte // holds lines longer than br's buffer
}

// next returns the next line with its terminator. The slice is valid until
// the next call. A last line without terminator is returned with a nil error;
// after it, next returns io.EOF and an empty line. A line that is certainly
// longer than limit bytes (terminator not counted) gives ErrLineTooLong; the
// caller checks the exact length of lines it gets. Any other error is the
// reader's, and the returned bytes are then to be ignored.
func (r *lineReader) next(limit int) ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err != nil {
		return r.slow(line, err, limit)
	}
	return line, nil
}

// slow handles what next meets beside a whole line in the buffer: a line
// longer than the buffer, the end of input, an error.
func (r *lineReader) slow(line []byte, err error, limit int) ([]byte, error) {
	if err == bufio.ErrBufferFull {
		r.buf = append(r.buf[:0], line...)
		for err == bufio.ErrBufferFull {
			// Without a '\n' yet, at most the last byte ('\r') can still
			// turn out to be part of the terminator.
			if len(r.buf)-1 > limit {
				return nil, ErrLineTooLong
			}
			line, err = r.br.ReadSlice('\n')
			r.buf = append(r.buf, line...)
		}
		line = r.buf
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	return line, err
}

// splitEOL splits a line into its content and its terminator: "\n", "\r\n",
// or, on a last line, "" (none) or a lone "\r".
func splitEOL(raw []byte) (content, eol []byte) {
	n := len(raw)
	if n > 0 && raw[n-1] == '\n' {
		n--
		if n > 0 && raw[n-1] == '\r' {
			n--
		}
	} else if n > 0 && raw[n-1] == '\r' {
		n--
	}
	return raw[:n], raw[n:]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// trimBounds returns the bounds of b without leading and trailing blanks
// (space, tab, carriage return).
func trimBounds(b []byte) (start, end int) {
	end = len(b)
	for start < end && isBlank(b[start]) {
		start++
	}
	for end > start && isBlank(b[end-1]) {
		end--
	}
	return start, end
}

// attr is one NAME=VALUE pair of an attribute list. The value is b[vs:ve] of
// the scanned line, without its quotes.
type attr struct {
	name   []byte
	vs, ve int
	quoted bool
}

// attrScanner walks the attribute list of a tag line. It follows RFC 8216
// (NAME=VALUE pairs separated by commas; quoted strings have no escapes and
// may hold commas) and tolerates what real playlists get wrong: blanks around
// names and values, stray commas, pairs without '='. Junk after a value is
// skipped up to the next comma outside quotes.
//
// Players do not all tolerate the same things: hls.js ends a quoted value
// only at a '"' followed by ',' or the end of the line, and trims names. So
// the scanner notes in loose whether the list strays from the strict grammar
// on which every reader agrees: NAME=VALUE pairs separated by single commas,
// names of [A-Z0-9-], no blanks around them or '=', and each quoted value
// followed directly by ',' or the end of the line.
type attrScanner struct {
	b     []byte
	i     int
	bad   int  // index of a quote that is never closed, or -1
	loose bool // the list strays from the strict grammar
}

func newAttrScanner(b []byte, from int) attrScanner {
	return attrScanner{b: b, i: from, bad: -1}
}

// next scans the next NAME=VALUE pair into a. It returns false at the end of
// the line, or at an unterminated quote (then s.bad >= 0).
func (s *attrScanner) next(a *attr) bool {
	b, i := s.b, s.i
	for {
		from := i
		for i < len(b) && isBlank(b[i]) {
			i++
		}
		if i >= len(b) {
			s.loose = s.loose || i > from
			s.i = i
			return false
		}
		ns := i
		for i < len(b) && b[i] != '=' && b[i] != ',' && b[i] != '"' {
			i++
		}
		has := i < len(b) && b[i] == '='
		if has {
			ne := i
			for ne > ns && isBlank(b[ne-1]) {
				ne--
			}
			*a = attr{name: b[ns:ne]}
			s.loose = s.loose || ns > from || ne < i || !strictName(a.name)
			i++
			vs := i
			for i < len(b) && isBlank(b[i]) {
				i++
			}
			s.loose = s.loose || i > vs
			if i < len(b) && b[i] == '"' {
				k := bytes.IndexByte(b[i+1:], '"')
				if k < 0 {
					s.bad, s.i = i, len(b)
					return false
				}
				a.vs, a.ve, a.quoted = i+1, i+1+k, true
				i += k + 2
			} else {
				a.vs = i
				for i < len(b) && b[i] != ',' && b[i] != '"' {
					s.loose = s.loose || isBlank(b[i])
					i++
				}
				a.ve = i
				for a.ve > a.vs && isBlank(b[a.ve-1]) {
					a.ve--
				}
				s.loose = s.loose || a.ve < i
			}
		} else {
			s.loose = true // a pair without '=', or an empty one
		}
		// Skip to just past the next comma outside quotes.
		if i < len(b) && b[i] != ',' {
			s.loose = true // junk after the value
		}
		for i < len(b) && b[i] != ',' {
			if b[i] == '"' {
				k := bytes.IndexByte(b[i+1:], '"')
				if k < 0 {
					s.bad, s.i = i, len(b)
					return false
				}
				i += k + 2
				continue
			}
			i++
		}
		if i < len(b) {
			i++
			s.loose = s.loose || i == len(b) // a trailing comma
		}
		if has {
			s.i = i
			return true
		}
	}
}

// strictName reports whether b is an attribute name of the strict grammar:
// one or more of [A-Z0-9-].
func strictName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// breaksLine reports whether b holds a character some player ends a line
// at although the Rewriter does not: CR (other than in a line's CRLF, which
// is not part of b), U+2028 or U+2029 (the ends of '.' in JavaScript
// regular expressions, with which hls.js reads tags).
func breaksLine(b []byte) bool {
	if bytes.IndexByte(b, '\r') >= 0 {
		return true
	}
	for i := bytes.IndexByte(b, 0xe2); i >= 0 && i+2 < len(b); {
		if b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], 0xe2)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
