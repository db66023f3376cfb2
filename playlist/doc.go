// Package playlist rewrites HLS playlists on their way from the origin to
// the player so that every URI in them carries CloudFront credentials.
//
// A [Rewriter] streams a playlist line by line and copies it through byte
// for byte, except for the spans that hold URIs: the URI lines after
// #EXTINF and #EXT-X-STREAM-INF, and the URI-valued attributes of every tag
// that has one (see [Kind]). To an in-scope URI it adds [Rewriter.Query], the
// signed parameters, and to URIs of nested playlists also [Rewriter.Carry],
// the copies that let the next playlist be rewritten in turn. It can rebase
// relative URIs onto another server, send keys to a key server, and hand
// each URI to a hook for custom signing. [Rewriter.Rewrite] works on streams,
// [Rewriter.AppendRewrite] on bytes in memory.
//
// The Rewriter does not parse playlists into values: it never reorders,
// normalizes or drops anything, its memory use does not grow with the
// playlist, and without hooks it allocates nothing per line. Input that is
// not a playlist it can pass on fails with a [*ParseError] that holds the
// line number and one of the sentinel errors ([ErrNotPlaylist] and others).
//
// For programs that build playlists with github.com/grafov/m3u8,
// [Rewriter.ApplyMedia] and [Rewriter.ApplyMaster] apply the same rule to
// grafov values. grafov is never on the Rewrite path: it drops what it does
// not model.
//
// The Rewriter core needs nothing from the signer: it appends strings it is
// given.
package playlist
