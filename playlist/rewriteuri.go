package playlist

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
)

// rewriteURI appends the output for the URI text t of kind k to s.out.
// quoted says whether t sits inside a quoted attribute.
//
// Scope is read from x, the text with the playlist's own variables
// substituted; what is written is t, with credentials inserted where they
// belong in x.
func (s *state) rewriteURI(t []byte, k Kind, quoted bool) error {
	x, vx, open := t, []byte(nil), false
	if bytes.Contains(t, []byte("{$")) {
		var unknownAt int
		var ok bool
		s.xbuf, unknownAt, ok = s.vars.expand(s.xbuf[:0], t, s.cfg.limit)
		if !ok {
			s.out = append(s.out, t...)
			return nil
		}
		x, vx = s.xbuf, s.xbuf
		// A variable whose value is unknown could supply the scheme or
		// host. InScope is not asked: the URL it would get could not say
		// where the URI points, and one that accepts relative URLs would
		// accept it.
		open = unknownAt >= 0 && !authorityFixed(x[:unknownAt])
	}
	c, scheme, host := classify(x)
	if c == classOther || open {
		s.out = append(s.out, t...)
		return nil
	}
	cfg := &s.cfg
	rebase := cfg.rebase != nil && c == classRelative && k != KindRenditionReport
	keyFn := (cfg.keyURI != nil || cfg.keyQuery != nil) && (k == KindKey || k == KindSessionKey)
	if cfg.inScope == nil && cfg.hook == nil && !keyFn {
		// The fast path: no parsing, no allocation.
		if !cfg.defaultScope(c, scheme, host) {
			s.out = append(s.out, t...)
			return nil
		}
		q, err := s.queryFor(k, t)
		if err != nil {
			return &URIError{Line: s.line, Kind: k, URI: string(t), Err: err}
		}
		s.out = s.appendDefault(s.out, t, vx, k, rebase, q)
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
		u, err = b.Parse(string(x))
	} else {
		u, err = url.Parse(string(x))
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
	q, err := s.queryFor(k, t)
	if err != nil {
		return &URIError{Line: s.line, Kind: k, URI: raw, Err: err}
	}
	var rep string
	switch {
	case keyFn && cfg.keyQuery != nil:
		rep, err = cfg.keyQuery(u, q)
	case keyFn:
		rep, err = cfg.keyURI(u)
	case cfg.hook != nil:
		uri := URI{Kind: k, Raw: raw, URL: u, Default: string(s.appendDefault(nil, t, vx, k, rebase, q))}
		if inSegment(k) {
			uri.MediaSequence, uri.ProgramDateTime = s.seg.seq, s.seg.pdt
		}
		rep, err = cfg.hook(uri)
	default:
		s.out = s.appendDefault(s.out, t, vx, k, rebase, q)
		return nil
	}
	if err == nil {
		err = checkReplacement(rep, quoted)
	}
	if err != nil {
		return &URIError{Line: s.line, Kind: k, URI: raw, Err: err} // s.line is 0 for ApplyMedia, ApplyMaster
	}
	s.out = append(s.out, rep...)
	return nil
}

// queryFor returns the query a URI of kind k gets: Query, or for a URI
// that belongs to a media segment what segQuery (when set) returns for it.
func (s *state) queryFor(k Kind, uri []byte) (string, error) {
	if s.cfg.segQuery == nil || !inSegment(k) {
		return s.cfg.query, nil
	}
	q, err := s.cfg.segQuery(k, s.seg.seq, s.seg.pdt, uri)
	if err != nil {
		return "", err
	}
	return trimQuery(q), nil
}

// appendDefault appends t with query (and Carry, if k is nested) to dst,
// rebased first if rebase is set. x, when not nil, is t with the playlist's
// variables substituted: when it has a query, it decides between '?' and '&',
// so that a variable that supplies a query gets '&'. expand has made sure
// that no variable supplies a '#'.
func (s *state) appendDefault(dst, t, x []byte, k Kind, rebase bool, query string) []byte {
	carry := ""
	if k.Nested() {
		carry = s.cfg.carry
	}
	if rebase {
		s.scratch = s.cfg.rb.appendResolve(s.scratch[:0], t)
		t = s.scratch
	}
	f := bytes.IndexByte(t, '#')
	if f < 0 {
		f = len(t)
	}
	pre := t[:f]
	if x != nil {
		xf := bytes.IndexByte(x, '#')
		if xf < 0 {
			xf = len(x)
		}
		if bytes.IndexByte(x[:xf], '?') >= 0 {
			pre = x[:xf]
		}
	}
	return appendQueryAt(dst, t, f, separator(pre), query, carry)
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
