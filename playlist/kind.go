package playlist

import "strconv"

// Kind says what a URI in a playlist points at, judging by where it appears.
// The zero Kind is not a valid kind.
type Kind uint8

// The kinds of URI a playlist holds, one for each place the Rewriter looks.
const (
	// Segment is a media segment: the URI line after #EXTINF, or any URI line
	// not claimed by #EXT-X-STREAM-INF.
	Segment Kind = iota + 1
	// Variant is a variant stream's media playlist: the URI line after
	// #EXT-X-STREAM-INF.
	Variant
	// Rendition is the URI attribute of #EXT-X-MEDIA (audio, video, subtitles).
	Rendition
	// IFrame is the URI attribute of #EXT-X-I-FRAME-STREAM-INF.
	IFrame
	// Image is the URI attribute of the non-standard #EXT-X-IMAGE-STREAM-INF
	// (trick-play images, as written for Roku and by AWS Elemental).
	Image
	// Key is the URI attribute of #EXT-X-KEY.
	Key
	// SessionKey is the URI attribute of #EXT-X-SESSION-KEY.
	SessionKey
	// Map is the URI attribute of #EXT-X-MAP (the initialization section).
	Map
	// Part is the URI attribute of #EXT-X-PART (LL-HLS partial segment).
	Part
	// PreloadHint is the URI attribute of #EXT-X-PRELOAD-HINT (LL-HLS).
	PreloadHint
	// RenditionReport is the URI attribute of #EXT-X-RENDITION-REPORT (LL-HLS).
	RenditionReport
	// SessionData is the URI attribute of #EXT-X-SESSION-DATA.
	SessionData
	// Steering is the SERVER-URI attribute of #EXT-X-CONTENT-STEERING.
	Steering
	// Asset is the X-ASSET-URI attribute of #EXT-X-DATERANGE: an HLS
	// interstitial's playlist.
	Asset
	// Prefetch is the value of the non-standard #EXT-X-PREFETCH tag (LHLS).
	Prefetch
	// AssetList is the X-ASSET-LIST attribute of #EXT-X-DATERANGE: a JSON
	// document listing interstitial assets, not a playlist. It gets Query
	// like any URI, but the Rewriter cannot reach the URIs inside it: the
	// server that answers it must put credentials on them (sign them, or
	// leave them to signed cookies).
	AssetList

	maxKind = AssetList
)

var kindNames = [...]string{
	Segment:         "segment",
	Variant:         "variant",
	Rendition:       "rendition",
	IFrame:          "i-frame",
	Image:           "image",
	Key:             "key",
	SessionKey:      "session-key",
	Map:             "map",
	Part:            "part",
	PreloadHint:     "preload-hint",
	RenditionReport: "rendition-report",
	SessionData:     "session-data",
	Steering:        "steering",
	Asset:           "asset",
	Prefetch:        "prefetch",
	AssetList:       "asset-list",
}

// String returns a lower-case name for k, such as "segment" or "i-frame", or
// "Kind(n)" for a value that is not one of the constants.
func (k Kind) String() string {
	if k == 0 || k > maxKind {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Nested reports whether URIs of kind k name playlists that hold URIs of
// their own: Variant, Rendition, IFrame, Image, RenditionReport and Asset.
// Those are the URIs that get [Rewriter.Carry].
func (k Kind) Nested() bool {
	switch k {
	case Variant, Rendition, IFrame, Image, RenditionReport, Asset:
		return true
	}
	return false
}
