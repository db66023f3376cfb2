package playlist

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// BrowserMaxAge is the longest max-age a Handler gives a VOD playlist that
// shared caches may keep: a browser keeps it that long, CloudFront as long
// as s-maxage says.
const BrowserMaxAge = 60 * time.Second

// notShared is the Cache-Control of an answer no shared cache may keep.
const notShared = "private, no-cache"

// cacheControl is the Cache-Control of a rewritten playlist (see
// Handler.CacheControl): CacheControl when set; otherwise what the mode
// allows, for as long as sharedFor says a shared cache may keep the answer
// to r (origin is the origin's Cache-Control, slack what sharedFor takes).
// Live media playlists get at most half their target duration (see
// capMaxAge). "" means no header.
func (h *Handler) cacheControl(r *http.Request, info mediaInfo, origin string, slack time.Duration) string {
	if cc := h.CacheControl; cc != "" {
		if !info.live {
			return cc
		}
		return capMaxAge(cc, info.target/2)
	}
	if h.Mode == ModeCookies {
		// Credentials travel in cookies: the answer is the same for every
		// viewer, so the origin's own caching applies.
		cc := origin
		if !info.live {
			return cc
		}
		if cc == "" {
			cc = "public"
		}
		return capMaxAge(cc, info.target/2)
	}
	s := int64(h.sharedFor(r, info, origin, slack) / time.Second)
	if s <= 0 {
		return notShared
	}
	browser := s
	if !info.live {
		browser = min(s, int64(BrowserMaxAge/time.Second))
	}
	return "public, max-age=" + strconv.FormatInt(browser, 10) + ", s-maxage=" + strconv.FormatInt(s, 10)
}

// sharedFor says how long a shared cache (CloudFront) may keep the answer
// to r, rewritten in the Handler's mode, and serve it to every viewer whose
// request has the same cache key; zero when it may not. slack is, in
// ModeServerSide, how much longer than TTL the minted credentials last
// (their expiry rounded up to Bucket). A live media playlist may be kept
// half its target duration, whatever the slack: each segment's
// credentials last TTL from when it appeared.
//
//   - ModePropagate: the answer holds the viewer's own credentials, so only
//     with QueryInCacheKey, for signer.DefaultBucket: CloudFront checks
//     each viewer's credentials before its cache, and a cached answer goes
//     only to a request with the same credentials.
//   - ModeServerSide: every viewer in a bucket gets the same credentials,
//     so for as long as they still last TTL from the moment they are
//     served (the slack); never with BindViewerIP (an answer for one
//     address), and with ServerSide.Viewer only with QueryInCacheKey (the
//     viewer's credentials cap the answer).
//   - Either: a request with the LL-HLS delivery directives (_HLS_msn,
//     _HLS_part, _HLS_skip), or a live playlist that offers blocking
//     reloads or parts, only with QueryInCacheKey, which tells blocking
//     reloads apart (a plain reload cached by path would answer them);
//     never with AllowOrigins (the answer's CORS headers are the
//     viewer's), nor when the origin said private, no-store or no-cache
//     (its playlist may be the viewer's own).
func (h *Handler) sharedFor(r *http.Request, info mediaInfo, origin string, slack time.Duration) time.Duration {
	switch {
	case !h.QueryInCacheKey && (hasDirectives(r.URL.RawQuery) || info.blocking):
		return 0
	case len(h.AllowOrigins) > 0:
		// The answer echoes the viewer's Origin: a cache keyed without it
		// would give one page's CORS headers to another.
		return 0
	case private(origin):
		return 0
	}
	ss := &h.ServerSide
	switch {
	case h.Mode == ModePropagate && h.QueryInCacheKey,
		h.Mode == ModeServerSide && !ss.BindViewerIP && (ss.Viewer.Carrier == nil || h.QueryInCacheKey):
	default:
		return 0
	}
	switch {
	case info.live:
		return time.Duration(info.target/2) * time.Second
	case h.Mode == ModePropagate:
		return signer.DefaultBucket
	}
	return slack
}

// hasDirectives reports whether a raw query holds an LL-HLS delivery
// directive (a parameter whose name starts with _HLS_).
func hasDirectives(raw string) bool {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(kv, "=")
		if n, err := url.QueryUnescape(name); err == nil && strings.HasPrefix(n, "_HLS_") {
			return true
		}
	}
	return false
}

// capMaxAge lowers every max-age, s-maxage, stale-while-revalidate and
// stale-if-error directive of cc above limit seconds (or whose value is not
// a number) to limit, and leaves every other byte as it is: no cache may
// serve the playlist older than that, fresh or stale. A value with neither, and without no-cache or no-store,
// gets ", max-age=<limit>": a cache would otherwise choose its own lifetime
// (CloudFront its default TTL).
func capMaxAge(cc string, limit int64) string {
	var b strings.Builder
	fresh, revalidate := false, false
	rest := cc
	for {
		d, tail, more := cutDirective(rest)
		name, value, hasValue := strings.Cut(strings.TrimSpace(d), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == "max-age" || name == "s-maxage" || name == "stale-while-revalidate" || name == "stale-if-error":
			fresh = fresh || name == "max-age" || name == "s-maxage"
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if !hasValue || err != nil || n > limit {
				lead := d[:len(d)-len(strings.TrimLeft(d, " \t"))]
				trail := d[len(strings.TrimRight(d, " \t")):]
				d = lead + name + "=" + strconv.FormatInt(limit, 10) + trail
			}
		case name == "no-store" || name == "no-cache" && !hasValue:
			revalidate = true
		}
		b.WriteString(d)
		if !more {
			break
		}
		b.WriteByte(',')
		rest = tail
	}
	if !fresh && !revalidate {
		b.WriteString(", max-age=" + strconv.FormatInt(limit, 10))
	}
	return b.String()
}

// cutDirective cuts s at its first ',' outside a quoted string: the
// directive before it, what follows, and whether there was a ','.
func cutDirective(s string) (d, rest string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// private reports whether an origin's Cache-Control keeps its answer from
// being shared or kept: private, no-store or no-cache (with or without
// field names).
func private(cc string) bool {
	for cc != "" {
		var d string
		d, cc, _ = cutDirective(cc)
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "private", "no-store", "no-cache":
			return true
		}
	}
	return false
}
