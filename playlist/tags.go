package playlist

import (
	"bytes"
	"fmt"
)

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
		if err := s.rewriteURI(content[st:en], KindPrefetch, false); err != nil {
			return err
		}
		s.out = append(s.out, content[en:]...)
		s.out = append(s.out, eol...)
		return nil
	case "#EXT-X-DEFINE":
		return s.defineLine(raw, content, len(name))
	case "#EXT-X-CONTENT-STEERING":
		if s.cfg.creds && !s.cfg.steering {
			return &ParseError{Line: s.line, Err: fmt.Errorf("%w: EXT-X-CONTENT-STEERING: its server can move every URI to another host, credentials included (set Rewriter.AllowSteering if you control it)", ErrUnsafe)}
		}
		k = KindSteering
	case "#EXT-X-MEDIA":
		k = KindRendition
	case "#EXT-X-I-FRAME-STREAM-INF":
		k = KindIFrame
	case "#EXT-X-IMAGE-STREAM-INF":
		k = KindImage
	case "#EXT-X-KEY":
		k = KindKey
	case "#EXT-X-SESSION-KEY":
		k = KindSessionKey
	case "#EXT-X-MAP":
		k = KindMap
	case "#EXT-X-PART":
		k = KindPart
	case "#EXT-X-PRELOAD-HINT":
		k = KindPreloadHint
	case "#EXT-X-RENDITION-REPORT":
		k = KindRenditionReport
	case "#EXT-X-SESSION-DATA":
		k = KindSessionData
	case "#EXT-X-DATERANGE":
		k = KindAsset
	case "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-SKIP":
		if s.cfg.track {
			s.segmentTag(name, content)
		}
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
		if (k == KindKey || k == KindSessionKey) && string(a.name) == "METHOD" {
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
	// With credentials, checkLine has refused a line with a line break
	// already.
	if none || len(s.spans) == 0 || sc.loose || !s.cfg.creds && breaksLine(content) {
		// Nothing to do, or a line players could split into other
		// attributes or other lines than the Rewriter does: untouched.
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
	case KindSteering:
		return k, string(name) == "SERVER-URI"
	case KindAsset:
		switch string(name) {
		case "X-ASSET-URI":
			return KindAsset, true
		case "X-ASSET-LIST":
			return KindAssetList, true
		}
		return k, false
	}
	return k, string(name) == "URI"
}

// defineLine reads an EXT-X-DEFINE tag: a NAME with a quoted VALUE defines
// a variable for the lines after it; IMPORT and QUERYPARAM name variables
// whose values the Rewriter cannot know, which stay unknown. A tag that
// players could read differently (loose attribute syntax, a line break
// character inside, more than one of NAME, IMPORT and QUERYPARAM) makes
// every variable unknown, and so does one between EXT-X-STREAM-INF and its
// URI, which hls.js never reads. When the Rewriter has credentials, such a
// tag, and a QUERYPARAM naming a credential parameter, fail with ErrUnsafe
// instead: players could take the credentials of the playlist's own URL
// into a variable. The line is copied unchanged.
func (s *state) defineLine(raw, content []byte, nameLen int) error {
	var name, value, imp, qp []byte
	hasValue, kinds := false, 0
	sc := newAttrScanner(content, nameLen+1)
	if nameLen < len(content) {
		var a attr
		for sc.next(&a) {
			v := content[a.vs:a.ve]
			switch string(a.name) {
			case "NAME":
				name, kinds = v, kinds+1
			case "VALUE":
				value, hasValue = v, a.quoted
			case "IMPORT":
				imp, kinds = v, kinds+1
			case "QUERYPARAM":
				qp, kinds = v, kinds+1
			}
		}
	}
	ambiguous := sc.bad >= 0 || sc.loose || breaksLine(content) || kinds != 1
	switch {
	case s.cfg.creds && ambiguous:
		return &ParseError{Line: s.line, Err: fmt.Errorf("%w: an EXT-X-DEFINE that players could read differently", ErrUnsafe)}
	case s.cfg.creds && qp != nil && s.cfg.credentialParam(qp):
		return &ParseError{Line: s.line, Err: fmt.Errorf("%w: EXT-X-DEFINE QUERYPARAM takes a credential parameter of the playlist's URL", ErrUnsafe)}
	case ambiguous || s.pending != 0:
		s.vars.poison()
	case imp != nil:
		s.vars.forget(imp)
	case qp != nil:
		s.vars.forget(qp)
	case name != nil && hasValue:
		s.vars.define(name, value)
	default:
		s.vars.forget(name) // NAME without a quoted VALUE
	}
	s.out = append(s.out, raw...)
	return nil
}
