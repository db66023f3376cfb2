package hlstest

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// DefaultPathPattern is the path pattern of the default cache behavior, the
// one that serves every request no other behavior matches.
const DefaultPathPattern = "*"

// Behavior is one of a distribution's cache behaviors: which requests it
// serves, where it sends them and what it asks of viewers.
//
// The zero value (apart from PathPattern) is CloudFront's secure default: the
// distribution's origin, signed requests required, no viewer query parameter
// forwarded, no CORS headers.
type Behavior struct {
	// PathPattern selects requests by URL path with CloudFront's syntax:
	// '*' matches any run of characters (including '/'), '?' exactly one,
	// case-sensitively, against the whole path ("*.m3u8", "/movies/*",
	// "images/*.jpg"; a leading '/' is implied). Behaviors are tried in the
	// order of CloudFront.Behaviors; the first match wins and the default
	// behavior comes last. The default behavior ignores this field.
	PathPattern string

	// Origin serves the requests this behavior matches. Nil means
	// CloudFront.Origin.
	Origin http.Handler

	// Public lets viewers in without signed URLs or cookies: CloudFront's
	// "Restrict viewer access: No". False (the default) requires credentials
	// signed by a key in CloudFront.Keys.
	Public bool

	// Query says which of the viewer's query parameters reach the origin,
	// as an origin request policy does; those of the Cache policy's key do
	// too. CloudFront's signing parameters (Expires, Policy, Signature,
	// Key-Pair-Id, Hash-Algorithm) never do.
	Query QueryForwarding

	// CORS, when set, adds CORS headers to every response to a request with
	// an Origin header (403 refusals included) and answers preflight
	// requests, as a CloudFront response headers policy does. Nil: no CORS
	// headers, and OPTIONS is refused like any method but GET and HEAD.
	CORS *CORS

	// Cache, when set, caches this behavior's answers in the simulator as
	// the CloudFront cache policy it describes does: repeated requests with
	// the same cache key are answered from the cache ("Hit from
	// cloudfront", with Age) until their TTL runs out, after the viewer's
	// credentials were checked. Nil caches nothing: every request reaches
	// the origin (CloudFront's managed CachingDisabled policy). See
	// CachePolicy for what is simulated and what is unverified.
	Cache *CachePolicy

	stats *behaviorStats // set by Start
}

// QueryForwarding says which viewer query parameters a behavior forwards to
// its origin, as an origin request policy's query string setting does. The
// zero value forwards none, CloudFront's default (and right for S3 origins).
type QueryForwarding struct {
	// All forwards every viewer parameter (but CloudFront's own signing
	// parameters). A playlist-rewriting origin needs it, or an allow-list
	// that names the carried copies.
	All bool
	// Names forwards only these parameters, matched case-sensitively, when
	// All is false.
	Names []string
}

// ForwardNone forwards no viewer query parameter (CloudFront's default).
func ForwardNone() QueryForwarding { return QueryForwarding{} }

// ForwardAll forwards every viewer query parameter but the signing ones.
func ForwardAll() QueryForwarding { return QueryForwarding{All: true} }

// ForwardOnly forwards only the named viewer query parameters.
func ForwardOnly(names ...string) QueryForwarding {
	return QueryForwarding{Names: slices.Clone(names)}
}

// keeps reports whether q selects the parameter name.
func (q QueryForwarding) keeps(name string) bool {
	return q.All || slices.Contains(q.Names, name)
}

// filter returns the part of a raw query the origin sees: the viewer's own
// pairs, in order and escaped as sent, without CloudFront's signing
// parameters (stripped as signer.SplitSignedURL strips them), without empty
// pairs, and without the parameters neither q nor any of also selects.
func (q QueryForwarding) filter(rawQuery string, also ...QueryForwarding) string {
	unsigned, _ := signer.SplitSignedURL("?" + rawQuery)
	rest := strings.TrimPrefix(unsigned, "?")
	var b strings.Builder
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		if !q.All && !slices.ContainsFunc(also, func(o QueryForwarding) bool { return o.All }) {
			rawName, _, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(rawName)
			if err != nil {
				name = rawName
			}
			if !q.keeps(name) && !slices.ContainsFunc(also, func(o QueryForwarding) bool { return o.keeps(name) }) {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pair)
	}
	return b.String()
}

// normalizePattern applies CloudFront's rule that a leading '/' is optional.
func normalizePattern(p string) string {
	if p == "" || p[0] == '/' || p[0] == '*' {
		return p
	}
	return "/" + p
}

// matchPath reports whether a URL path matches a behavior's path pattern.
// CloudFront's path pattern wildcards are the same as a policy Resource's.
func matchPath(pattern, path string) bool {
	return policy.Match(normalizePattern(pattern), path)
}

// originRequest returns the request the origin of behavior b sees for the
// viewer request r: the query the behavior forwards (and the cache key's
// query strings), no Cookie (but the cache key's cookies) and no
// Authorization (unless the cache key names it), and CloudFront's headers.
func (cf *CloudFront) originRequest(r *http.Request, b *Behavior, id string, clientIP netip.Addr) *http.Request {
	out := r.Clone(r.Context())
	out.URL.ForceQuery = false
	out.Header.Del("Cookie")
	if b.Cache == nil {
		out.URL.RawQuery = b.Query.filter(r.URL.RawQuery)
		out.Header.Del("Authorization")
	} else {
		out.URL.RawQuery = b.Query.filter(r.URL.RawQuery, b.Cache.QueryStrings)
		for _, c := range b.Cache.keyCookies(r) {
			out.AddCookie(c)
		}
		if !slices.Contains(b.Cache.Headers, "Authorization") {
			out.Header.Del("Authorization")
		}
	}
	out.RequestURI = out.URL.RequestURI()
	out.Header.Set("Via", via)
	out.Header.Set("X-Amz-Cf-Id", id)
	if clientIP.IsValid() {
		ip := clientIP.String()
		xff := ip
		if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
			xff = prior + ", " + ip
		}
		out.Header.Set("X-Forwarded-For", xff)
		port := "0"
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			port = strconv.Itoa(int(ap.Port()))
		}
		out.Header.Set("CloudFront-Viewer-Address", ip+":"+port)
	}
	return out
}
