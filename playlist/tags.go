package playlist

import "bytes"

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
	case "#EXT-X-DEFINE":
		return s.defineLine(raw, content, len(name))
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
		ak, ok := uriAttr(k, a.name)
		if !a.quoted || !ok {
			continue
		}
		st, en := trimBounds(content[a.vs:a.ve])
		if st < en {
			s.spans = append(s.spans, span{a.vs + st, a.vs + en, ak})
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
		if err := s.rewriteURI(content[sp.start:sp.end], sp.kind, true); err != nil {
			return err
		}
		prev = sp.end
	}
	s.out = append(s.out, content[prev:]...)
	s.out = append(s.out, eol...)
	return nil
}

// uriAttr reports whether the attribute called name holds a URI on a tag
// whose URIs are of kind k, and the URI's kind. Names match whole: URI is
// not X-ASSET-URI.
func uriAttr(k Kind, name []byte) (Kind, bool) {
	switch k {
	case Steering:
		return k, string(name) == "SERVER-URI"
	case Asset:
		switch string(name) {
		case "X-ASSET-URI":
			return Asset, true
		case "X-ASSET-LIST":
			return AssetList, true
		}
		return k, false
	}
	return k, string(name) == "URI"
}

// defineLine reads an EXT-X-DEFINE tag: a NAME with a quoted VALUE defines
// a variable for the lines after it; IMPORT and QUERYPARAM name variables
// whose values the Rewriter cannot know, which stay unknown, as does
// anything a malformed tag would define. The line is copied unchanged.
func (s *state) defineLine(raw, content []byte, nameLen int) error {
	if nameLen < len(content) {
		var name, value, other []byte
		hasValue := false
		sc := newAttrScanner(content, nameLen+1)
		var a attr
		for sc.next(&a) {
			switch string(a.name) {
			case "NAME":
				name = content[a.vs:a.ve]
			case "VALUE":
				value, hasValue = content[a.vs:a.ve], a.quoted
			case "IMPORT", "QUERYPARAM":
				other = content[a.vs:a.ve]
			}
		}
		switch {
		case sc.bad >= 0:
			// Malformed: whatever it defines stays unknown.
		case other != nil:
			s.vars.forget(other)
		case name != nil && hasValue:
			s.vars.define(name, value)
		}
	}
	s.out = append(s.out, raw...)
	return nil
}
