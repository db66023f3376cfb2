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
// # Scope
//
// Credentials must never reach a host other than the distribution, so a URI
// gets them only when every URL resolver that players use reads the same
// in-scope host from it: RFC 3986 (Go's net/url, ffmpeg), the WHATWG URL
// parser (native playback in browsers and on Apple devices, video.js, Shaka)
// and hls.js (which trims with String.prototype.trim and takes any run of
// [A-Za-z0-9+.-] before ':' for a scheme). A URI is in scope when it is a
// relative reference, or an http or https URL (or a "//host" network-path
// reference) on the scheme and host of [Rewriter.Base] or
// [Rewriter.Rebase], default port or not, host compared without regard to
// ASCII case. [Rewriter.InScope] may replace that last part of the rule, but
// never the rest: a URI is out of scope, and left byte for byte, whatever
// InScope would say, when it holds a control byte or DEL anywhere (WHATWG
// URL removes tab, CR and LF inside a URL, and CR ends a line for ffmpeg and
// hls.js), has a space, a Unicode space, a byte order mark or invalid UTF-8
// at either end, has a backslash before its query, has userinfo
// ("user@host"), or has a ':' before its first '/', '?' or '#' without
// being an http(s) URL with a host.
//
// Variable references ({$name}, RFC 8216bis) are read the way players read
// them: a variable defined earlier in the same playlist with
// EXT-X-DEFINE NAME and VALUE is substituted before scope is decided and
// before choosing between '?' and '&' (so "index.m3u8{$auth}" with
// auth = "?token=1" gets '&'), while the bytes written stay the original
// text. A URI whose scheme or host could come from a variable whose value
// the Rewriter cannot know (IMPORT, QUERYPARAM, or never defined) is out of
// scope, and InScope is not asked about it; a variable after the host (or
// after the first path segment of a relative reference) is harmless. A
// value that holds '#', and a name defined twice, also leave the URI alone.
//
// Where URIs sit matters as much as what they say. Tags are recognised with
// leading blanks, as players trim lines, and the blanks are kept. A tag line
// is rewritten only when its attribute list follows the strict grammar every
// player reads alike (NAME=VALUE pairs of [A-Z0-9-] names separated by
// single commas, no blanks around names or '=', each quoted value followed
// directly by ',' or the end of the line); otherwise the line is left byte
// for byte. Some playlists can send credentials elsewhere without any URI
// showing it; when the Rewriter has credentials to add they fail with
// [ErrUnsafe]: a CR (other than in a line's CRLF), U+2028 or U+2029 in any
// line, where players start a new line and a tag could hide (so playlists
// with CR-only line endings are refused too); EXT-X-CONTENT-STEERING (its
// server can move every URI, query included, to another host) unless
// [Rewriter.AllowSteering] is set; EXT-X-DEFINE or EXT-X-CONTENT-STEERING
// anywhere but at the start of a line (hls.js finds them in comments, quoted
// values and malformed tags; only the title of a well-formed
// "#EXTINF:<duration>,<title>" is exempt, as hls.js reads it to the end of
// the line); an EXT-X-DEFINE that players could
// read differently or that declares more than one of NAME, IMPORT and
// QUERYPARAM; and a QUERYPARAM naming a credential parameter of the
// playlist's own URL (Policy, Signature, Key-Pair-Id, Expires,
// Hash-Algorithm, or a name in Query or Carry), which any URI could then
// carry away. An EXT-X-DEFINE between EXT-X-STREAM-INF and its URI, which
// hls.js never reads, makes every variable unknown.
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
//
// # Serving playlists
//
// A [Handler] fetches each playlist from an origin, rewrites it and serves
// it, and passes every other request to the origin. Its [Mode] is required
// and says where the credentials come from; each mode reads its own group
// of settings, and only that group may be set:
//
//   - [ModePropagate], [Handler.Propagate]: the credentials the viewer's
//     request carries as prefixed copies (the AWS blog's design). Needs a
//     Carrier; a Verifier checks the copies too.
//   - [ModeServerSide], [Handler.ServerSide]: one wildcard policy the
//     Handler signs per presentation. Needs a Signer; [ServerSide.Viewer]
//     caps each grant by the viewer's own credentials.
//   - [ModeCookies], no settings: signed cookies carry the credentials and
//     URIs stay as they are.
//
// [Handler.Validate] reports a configuration that does not fit its mode
// (wrapping [ErrConfig]); a Handler that fails it answers every request
// 500. A [KeyServer] serves AES-128 keys to the viewers whose credentials
// (which the Handler puts on key URIs) or session it accepts; its
// [KeyServer.Validate] works the same way.
//
// # Live
//
// A live media playlist (EXT-X-TARGETDURATION without EXT-X-ENDLIST or
// EXT-X-PLAYLIST-TYPE:VOD) is reloaded by players about once per target
// duration, and Low-Latency HLS players add delivery directives to its URL
// (_HLS_msn, _HLS_part, _HLS_skip), which the packager may hold until the
// part asked for exists (a blocking reload). A Handler:
//
//   - sends the viewer's query to the origin as sent, in its order and
//     escaping, less the carried copies of its mode. The directives take
//     no part in credentials: scope, the check of carried copies and the
//     credentials minted all go by the playlist's URL without its query.
//   - waits for the origin as long as it holds a blocking reload: neither
//     the Handler nor [RemoteOrigin] sets a timeout on the answer; the
//     viewer's request ends it. Whatever runs the Handler must not cut it
//     either: an http.Server's WriteTimeout, or a Lambda's, must exceed
//     the longest hold (a packager answers within about three target
//     durations).
//   - in [ModePropagate], refuses carried credentials in canned form (403):
//     they cover one URL, never the playlist's URIs, nor its own URL once
//     _HLS_msn is added. Sign a wildcard custom policy.
//   - in [ModeServerSide], signs each segment's URIs from when the segment
//     appeared, so that a segment's URI stays byte for byte the same on
//     every reload while it is listed, and a playlist at a bucket boundary
//     holds two credential sets ([ServerSide] says how, and what it asks
//     of TTL). A [Rewriter.Hook] can do the same with [URI.MediaSequence]
//     and [URI.ProgramDateTime].
//   - caps the lifetimes of [Handler.CacheControl] (max-age, s-maxage,
//     stale-while-revalidate, stale-if-error) to half the target duration,
//     so that no cache serves a playlist a player should already have
//     reloaded, fresh or stale; its default gives live playlists that
//     lifetime where they may be shared.
//
// # Caching
//
// With CacheControl empty, a Handler says in each answer what CloudFront
// may cache and for how long, safely for every viewer it would serve: a
// cached answer goes only to viewers whose request has the same cache
// key, after CloudFront has checked their own credentials.
//
//   - [ModeServerSide]: VOD and multivariant playlists are shared while
//     the minted credentials still last TTL ("public, max-age=M,
//     s-maxage=S", S below Bucket, M at most [BrowserMaxAge]): one origin
//     fetch and one signature per playlist and bucket, whatever the number
//     of viewers. Live media playlists for half the target duration. Not
//     shared with [ServerSide.BindViewerIP], nor with [ServerSide.Viewer]
//     unless [Handler.QueryInCacheKey].
//   - [ModePropagate]: the answer holds the viewer's credentials, so it is
//     shared only with [Handler.QueryInCacheKey] (viewers of one bucket
//     hold the same credentials and share it).
//   - [ModeCookies]: the playlist holds no credentials; the origin's own
//     Cache-Control applies (capped for live media playlists).
//   - LL-HLS requests (_HLS_msn, _HLS_part, _HLS_skip), and live playlists
//     that offer blocking reloads or parts, are shared only with
//     [Handler.QueryInCacheKey], which tells blocking reloads apart (cached
//     by path, a plain reload would answer them).
//   - Never shared: with [Handler.AllowOrigins] (the answer echoes the
//     viewer's Origin; let CloudFront's response headers policy do CORS),
//     or when the origin says private, no-store or no-cache (the playlist
//     may be the viewer's own). [AnswerCache] keeps neither those nor
//     answers that vary by a request header.
//
// The CloudFront cache policy for the *.m3u8 behavior that goes with it:
//
//   - Minimum TTL 0. Above 0, CloudFront keeps an answer at least that
//     long even when Cache-Control says no-cache, no-store or private (as
//     CloudFront's CachePolicyConfig documentation warns), and a live
//     playlist goes stale, or one viewer's answer goes to another.
//   - Maximum TTL at least Bucket (the default 15 minutes); CloudFront
//     takes max-age or s-maxage from the answer, no longer than the
//     maximum TTL; the default TTL applies to answers with neither (in
//     ModeCookies, when the origin sends none).
//   - Query strings in the cache key: none needed in ModeServerSide
//     without a Viewer for VOD and regular live playlists (every viewer in
//     a bucket gets the same answer); all of them (or the carried copies
//     and _HLS_msn, _HLS_part, _HLS_skip) with QueryInCacheKey set, in
//     ModePropagate and for LL-HLS.
//   - No headers or cookies in the cache key.
//
// The managed policy CachingDisabled never caches, which is always safe
// and costs an origin request per playlist request. Unverified against
// CloudFront's documentation: which of max-age and s-maxage CloudFront
// prefers when both are present (the Handler sets both to what a shared
// cache may use, the browser's max-age being the shorter).
package playlist
