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
type attrScanner struct {
	b   []byte
	i   int
	bad int // index of a quote that is never closed, or -1
}

func newAttrScanner(b []byte, from int) attrScanner {
	return attrScanner{b: b, i: from, bad: -1}
}

// next scans the next NAME=VALUE pair into a. It returns false at the end of
// the line, or at an unterminated quote (then s.bad >= 0).
func (s *attrScanner) next(a *attr) bool {
	b, i := s.b, s.i
	for {
		for i < len(b) && isBlank(b[i]) {
			i++
		}
		if i >= len(b) {
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
			i++
			for i < len(b) && isBlank(b[i]) {
				i++
			}
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
					i++
				}
				a.ve = i
				for a.ve > a.vs && isBlank(b[a.ve-1]) {
					a.ve--
				}
			}
		}
		// Skip to just past the next comma outside quotes.
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
		}
		if has {
			s.i = i
			return true
		}
	}
}
