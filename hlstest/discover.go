package hlstest

import (
	"iter"
	"slices"
	"strings"
)

// Kind is a guess at what a URI in a playlist points to, from the tag that
// holds it. Discovery does not depend on it: it only labels reports.
type Kind string

// Kinds of URI.
const (
	KindMaster          Kind = "master"           // the root playlist, with variants
	KindMedia           Kind = "media"            // the root playlist, without variants
	KindVariant         Kind = "variant"          // line after EXT-X-STREAM-INF
	KindRendition       Kind = "rendition"        // EXT-X-MEDIA URI
	KindIFrame          Kind = "i-frame"          // EXT-X-I-FRAME-STREAM-INF URI
	KindImage           Kind = "image"            // EXT-X-IMAGE-STREAM-INF URI (trick-play images)
	KindSegment         Kind = "segment"          // any other URI line
	KindMap             Kind = "map"              // EXT-X-MAP URI
	KindKey             Kind = "key"              // EXT-X-KEY URI
	KindSessionKey      Kind = "session-key"      // EXT-X-SESSION-KEY URI
	KindPart            Kind = "part"             // EXT-X-PART URI
	KindPreloadHint     Kind = "preload-hint"     // EXT-X-PRELOAD-HINT URI
	KindRenditionReport Kind = "rendition-report" // EXT-X-RENDITION-REPORT URI
	KindSessionData     Kind = "session-data"     // EXT-X-SESSION-DATA URI
	KindSteering        Kind = "steering"         // EXT-X-CONTENT-STEERING SERVER-URI
	KindAsset           Kind = "asset"            // EXT-X-DATERANGE X-ASSET-URI (interstitials)
	KindOther           Kind = "other"            // any other *URI attribute
)

// IsPlaylist reports whether URIs of kind k point to playlists.
func (k Kind) IsPlaylist() bool {
	switch k {
	case KindMaster, KindMedia, KindVariant, KindRendition, KindIFrame, KindImage,
		KindRenditionReport, KindAsset:
		return true
	}
	return false
}

// Ref is a URI found in a playlist.
type Ref struct {
	// URI is the URI exactly as written (a line trimmed of surrounding
	// white space, or a quoted attribute value without its quotes).
	URI string
	// Kind guesses what the URI points to.
	Kind Kind
	// Line is the 1-based line number.
	Line int
	// Tag is the tag holding the URI, without '#' ("EXT-X-KEY"); for a URI
	// line, the tag EXT-X-STREAM-INF when it follows one, else "".
	Tag string
	// Attr is the attribute holding the URI ("URI", "SERVER-URI"); empty for
	// a URI line.
	Attr string
	// ByteRange is the sub-range the URI is used with, "n[@o]" as written:
	// from the EXT-X-BYTERANGE before a URI line, or a BYTERANGE attribute
	// on the same tag (EXT-X-MAP, EXT-X-PART). Empty for the whole resource.
	ByteRange string
}

// Discover returns every URI in a playlist, in order, by a deliberately
// generic rule that knows no tag: every line that is neither empty nor
// starts with '#', and every quoted attribute whose name ends in "URI"
// ("URI", "SERVER-URI", "X-ASSET-URI", ...) on every line that starts with
// "#EXT". Lines may end in LF or CRLF. Quoted values may contain commas;
// empty values are skipped. Nothing is resolved or filtered: skd:// and
// data: URIs are returned too.
//
// Because the rule does not depend on which tags carry URIs, a playlist
// rewriter that forgets a tag cannot hide it from a test that uses Discover.
func Discover(playlist string) []Ref {
	var refs []Ref
	var afterStreamInf bool
	var byteRange string
	for n := 1; playlist != ""; n++ {
		var line string
		line, playlist, _ = strings.Cut(playlist, "\n")
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.HasPrefix(line, "#EXT"):
			tag, list, _ := strings.Cut(line[1:], ":")
			switch tag {
			case "EXT-X-STREAM-INF":
				afterStreamInf = true
			case "EXT-X-BYTERANGE":
				byteRange = strings.TrimSpace(list)
			}
			attrs := slices.Collect(attributes(list))
			var tagRange string
			for _, a := range attrs {
				if a.name == "BYTERANGE" {
					tagRange = a.value
				}
			}
			for _, a := range attrs {
				if a.quoted && a.value != "" && strings.HasSuffix(a.name, "URI") {
					refs = append(refs, Ref{URI: a.value, Kind: attrKind(tag, a.name), Line: n, Tag: tag, Attr: a.name, ByteRange: tagRange})
				}
			}
		case strings.HasPrefix(line, "#"):
			// a comment
		default:
			uri := strings.TrimSpace(line)
			if uri == "" {
				continue
			}
			r := Ref{URI: uri, Kind: KindSegment, Line: n, ByteRange: byteRange}
			if afterStreamInf {
				r.Kind, r.Tag = KindVariant, "EXT-X-STREAM-INF"
			}
			refs = append(refs, r)
			afterStreamInf, byteRange = false, ""
		}
	}
	return refs
}

// attrKind guesses the kind of a URI attribute from its tag.
func attrKind(tag, attr string) Kind {
	if attr != "URI" {
		switch {
		case tag == "EXT-X-CONTENT-STEERING" && attr == "SERVER-URI":
			return KindSteering
		case tag == "EXT-X-DATERANGE" && attr == "X-ASSET-URI":
			return KindAsset
		}
		return KindOther
	}
	switch tag {
	case "EXT-X-MEDIA":
		return KindRendition
	case "EXT-X-I-FRAME-STREAM-INF":
		return KindIFrame
	case "EXT-X-IMAGE-STREAM-INF":
		return KindImage
	case "EXT-X-KEY":
		return KindKey
	case "EXT-X-SESSION-KEY":
		return KindSessionKey
	case "EXT-X-MAP":
		return KindMap
	case "EXT-X-PART":
		return KindPart
	case "EXT-X-PRELOAD-HINT":
		return KindPreloadHint
	case "EXT-X-RENDITION-REPORT":
		return KindRenditionReport
	case "EXT-X-SESSION-DATA":
		return KindSessionData
	}
	return KindOther
}

// attribute is one NAME=VALUE pair of a tag's attribute list.
type attribute struct {
	name, value string
	quoted      bool // the value was a quoted string; value is without quotes
}

// attributes scans an attribute list: NAME=VALUE pairs separated by commas,
// where a VALUE is either a quoted string (no escapes; it may hold commas)
// or runs to the next comma. Items without '=' (the duration of EXTINF,
// say) are skipped, and an unterminated quoted string ends the scan. Names
// lose leading blanks (", URI=" is common in hand-written playlists) and are
// otherwise taken as written.
func attributes(list string) iter.Seq[attribute] {
	return func(yield func(attribute) bool) {
		for list != "" {
			eq := strings.IndexAny(list, "=,")
			if eq < 0 {
				return
			}
			if list[eq] == ',' {
				list = list[eq+1:]
				continue
			}
			a := attribute{name: strings.TrimLeft(list[:eq], " \t")}
			list = list[eq+1:]
			if strings.HasPrefix(list, `"`) {
				end := strings.IndexByte(list[1:], '"')
				if end < 0 {
					return
				}
				a.value, a.quoted = list[1:1+end], true
				list = list[end+2:]
				// Anything between the closing quote and the next comma is
				// not part of the value.
				if i := strings.IndexByte(list, ','); i >= 0 {
					list = list[i+1:]
				} else {
					list = ""
				}
			} else {
				a.value, list, _ = strings.Cut(list, ",")
			}
			if !yield(a) {
				return
			}
		}
	}
}
