package playlist

import "strconv"

// Kind says what a URI in a playlist points at, judging by where it appears.
// The zero Kind is not a valid kind.
type Kind uint8

// The kinds of URI a playlist holds, one for each place the Rewriter looks.
const (
	// KindSegment is a media segment: the URI line after #EXTINF, or any URI line
	// not claimed by #EXT-X-STREAM-INF.
	KindSegment Kind = iota + 1
	// KindVariant is a variant stream's media playlist: the URI line after
	// #EXT-X-STREAM-INF.
	KindVariant
	// KindRendition is the URI attribute of #EXT-X-MEDIA (audio, video, subtitles).
	KindRendition
	// KindIFrame is the URI attribute of #EXT-X-I-FRAME-STREAM-INF.
	KindIFrame
	// KindImage is the URI attribute of the non-standard #EXT-X-IMAGE-STREAM-INF
	// (trick-play images, as written for Roku and by AWS Elemental).
	KindImage
	// KindKey is the URI attribute of #EXT-X-KEY.
	KindKey
	// KindSessionKey is the URI attribute of #EXT-X-SESSION-KEY.
	KindSessionKey
	// KindMap is the URI attribute of #EXT-X-MAP (the initialization section).
	KindMap
	// KindPart is the URI attribute of #EXT-X-PART (LL-HLS partial segment).
	KindPart
	// KindPreloadHint is the URI attribute of #EXT-X-PRELOAD-HINT (LL-HLS).
	KindPreloadHint
	// KindRenditionReport is the URI attribute of #EXT-X-RENDITION-REPORT (LL-HLS).
	KindRenditionReport
	// KindSessionData is the URI attribute of #EXT-X-SESSION-DATA.
	KindSessionData
	// KindSteering is the SERVER-URI attribute of #EXT-X-CONTENT-STEERING.
	KindSteering
	// KindAsset is the X-ASSET-URI attribute of #EXT-X-DATERANGE: an HLS
	// interstitial's playlist.
	KindAsset
	// KindPrefetch is the value of the non-standard #EXT-X-PREFETCH tag (LHLS).
	KindPrefetch
	// KindAssetList is the X-ASSET-LIST attribute of #EXT-X-DATERANGE: a JSON
	// document listing interstitial assets, not a playlist. It gets Query
	// like any URI, but the Rewriter cannot reach the URIs inside it: the
	// server that answers it must put credentials on them (sign them, or
	// leave them to signed cookies).
	KindAssetList

	maxKind = KindAssetList
)

var kindNames = [...]string{
	KindSegment:         "segment",
	KindVariant:         "variant",
	KindRendition:       "rendition",
	KindIFrame:          "i-frame",
	KindImage:           "image",
	KindKey:             "key",
	KindSessionKey:      "session-key",
	KindMap:             "map",
	KindPart:            "part",
	KindPreloadHint:     "preload-hint",
	KindRenditionReport: "rendition-report",
	KindSessionData:     "session-data",
	KindSteering:        "steering",
	KindAsset:           "asset",
	KindPrefetch:        "prefetch",
	KindAssetList:       "asset-list",
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
// their own: KindVariant, KindRendition, KindIFrame, KindImage,
// KindRenditionReport and KindAsset.
// Those are the URIs that get [Rewriter.Carry].
func (k Kind) Nested() bool {
	switch k {
	case KindVariant, KindRendition, KindIFrame, KindImage, KindRenditionReport, KindAsset:
		return true
	}
	return false
}
