package hlstest

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfhls/cfhls/signer"
)

// ErrCachePolicy reports a CachePolicy CloudFront would not accept, such as
// a MinTTL above the DefaultTTL. Start panics with it, naming the behavior.
var ErrCachePolicy = errors.New("hlstest: invalid cache policy")

// defaultMaxTTL and defaultErrorTTL are CloudFront's defaults: a MaxTTL of
// one year (CachePolicyConfig in the CloudFront API Reference) and an error
// caching minimum TTL of 10 seconds ("How CloudFront processes and caches
// HTTP 4xx and 5xx status codes from your origin").
const (
	defaultMaxTTL   = 365 * 24 * time.Hour
	defaultErrorTTL = 10 * time.Second
)

// CachePolicy is a behavior's CloudFront cache policy: how long answers stay
// in the simulator's cache and what tells them apart (the cache key). Set it
// as Behavior.Cache; a behavior without one caches nothing.
//
// # Time to live
//
// The TTL of an answer follows the table in CloudFront's Developer Guide,
// "Manage how long content stays in the cache (expiration)"
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html),
// and the CachePolicyConfig page of the API Reference:
//   - Cache-Control no-store, no-cache or private (bare directives): MinTTL.
//     With a MinTTL of 0 nothing is cached; a MinTTL above 0 caches for it
//     "even if the Cache-Control: no-cache, no-store, or private directives
//     are present" (CachePolicyConfig).
//   - s-maxage=N, else max-age=N, else an Expires date: that duration,
//     raised to MinTTL and lowered to MaxTTL. (With MinTTL 0 the guide says
//     "the lesser of" the directive and MaxTTL; the MinTTL > 0 column is
//     summarized as depending on all three, which the clamp implements; an
//     answer on re:Post/Stack Overflow describes the same clamp.)
//   - none of these: DefaultTTL.
//
// A TTL of 0 stores nothing, nor does an answer shorter than its
// Content-Length ("Dropped TCP connections" in "Request and response
// behavior for custom origins"), nor one larger than CloudFront.CacheSize.
// Only GET answers are stored, with status 200,
// or a redirect (301, 302, 307, 308: "CloudFront caches the redirect",
// "Request and response behavior for custom origins"). Errors follow "How
// CloudFront processes and caches HTTP 4xx and 5xx status codes from your
// origin": 404, 405, 414, 500, 501, 502, 503 and 504 are cached, and 400,
// 403, 412 and 415 only with max-age or s-maxage, for the longer of
// ErrorTTL and those directives, unless no-store, no-cache or private is
// present (which directives "restrict" error caching is unverified). Other
// statuses, 206 answers to Range requests and 304 answers are not stored
// (unverified against CloudFront, which documents caching ranges).
//
// An expired answer with an ETag or Last-Modified is revalidated: the origin
// gets If-None-Match / If-Modified-Since ("Conditional requests" in
// "Request and response behavior for custom origins"); a 304 refreshes it
// and the viewer gets X-Cache "RefreshHit from cloudfront". Serving an
// expired answer while the origin fails, which CloudFront documents, is not
// simulated; nor is the brief pause with which CloudFront holds back
// concurrent misses for one object during a traffic spike ("Simultaneous
// requests for the same object"): here each concurrent miss reaches the
// origin, so origin counts are an upper bound. For CloudFront's managed
// CachingDisabled policy, leave Behavior.Cache nil.
//
// # Cache key
//
// The key is the behavior, the URL path as sent, and the chosen query
// strings, headers and cookies, case-sensitively; query strings keep the
// viewer's order ("Cache content based on query string parameters":
// different order or case, different objects). What CloudFront puts in the
// key it also forwards to the origin (CachePolicyConfig: "The headers,
// cookies, and query strings that are included in the cache key are also
// included in requests that CloudFront sends to the origin"), so the
// simulator forwards the key's query strings and cookies even when
// Behavior.Query does not name them.
//
// Signing parameters and signed cookies never take part in the key:
//   - CloudFront "removes the following query string parameters before
//     forwarding the rest of the URL to your origin: Expires, Key-Pair-Id,
//     Policy, Signature" ("Cache content based on query string parameters",
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/QueryStringParameters.html).
//     That they are also left out of the cache key is not stated there:
//     unverified, inferred from the key being a subset of what is
//     forwarded. Hash-Algorithm is treated the same way (unverified: the
//     page predates it).
//   - "If you configure your distribution to cache objects based on
//     cookies, CloudFront doesn't cache separate objects based on the
//     attributes in signed cookies" ("Use signed cookies", How signed
//     cookies work,
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html).
//     The simulator leaves every CloudFront-* signing cookie out of the key
//     and out of the origin request; whether CloudFront forwards them to
//     an origin when the key names them is unverified.
//
// So two viewers with different credentials for the same URL share a cached
// answer, as on CloudFront: an origin whose answer depends on the
// credentials (a playlist that echoes them) must be keyed on something
// else that differs, such as carried copies of the credentials.
//
// # Credentials first
//
// Signature checks happen before the cache: "If the request meets the
// requirements in the policy statement, CloudFront performs the standard
// operations: determines whether the object is already in the edge cache,
// forwards the request to the origin if necessary" ("Use signed URLs", How
// signed URLs work,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html;
// the signed cookies page says the same). A refused viewer never gets a
// cached answer.
//
// # Viewer requests
//
// Viewers' Cache-Control and Pragma are ignored ("CloudFront ignores those
// header fields in viewer requests", Expiration page). A hit answers Range,
// If-None-Match and If-Modified-Since from the stored 200 as
// net/http.ServeContent does (206, 304); that CloudFront answers viewers'
// conditional requests from its cache is implied by "If you do not specify
// an ETag value, CloudFront ignores subsequent If-Match or If-None-Match
// headers" (custom origins page) but not stated: unverified. On a miss the
// viewer's conditional and Range headers reach the origin as sent. HEAD
// requests are answered from an answer stored for GET; a HEAD miss is not
// stored. Set-Cookie is removed from answers when the key has no cookies,
// as CloudFront does when it forwards none ("Cache content based on
// cookies").
type CachePolicy struct {
	// MinTTL is the least time an answer stays cached, even one the origin
	// marks no-store, no-cache or private. Zero is CloudFront's default.
	MinTTL time.Duration
	// DefaultTTL is how long an answer stays cached when the origin sends
	// no max-age, s-maxage or Expires. Zero caches such answers not at all
	// (CloudFront's API default is one day: set it explicitly).
	DefaultTTL time.Duration
	// MaxTTL is the most time an answer stays cached, whatever the origin
	// says. Zero means CloudFront's default, one year.
	MaxTTL time.Duration
	// ErrorTTL is the error caching minimum TTL for the error statuses
	// CloudFront caches (see above). Zero means CloudFront's default, 10
	// seconds; negative caches no error. CloudFront sets it per
	// distribution and status code; the simulator, per behavior.
	ErrorTTL time.Duration

	// QueryStrings selects the query strings in the key: none (the zero
	// value), the listed names (ForwardOnly) or all (ForwardAll). Signing
	// parameters never are.
	QueryStrings QueryForwarding
	// Headers lists the request headers whose values are in the key,
	// case-insensitively.
	Headers []string
	// Cookies lists the cookies in the key, by case-sensitive name. Signed
	// cookies (CloudFront-Policy, ...) never are.
	Cookies []string
	// AllCookies puts every cookie but the signed ones in the key.
	AllCookies bool
}

// CachingOptimized returns the settings of CloudFront's managed cache policy
// of that name: MinTTL 1 s, DefaultTTL one day, MaxTTL one year, and no
// query string, header or cookie in the key.
func CachingOptimized() *CachePolicy {
	return &CachePolicy{MinTTL: time.Second, DefaultTTL: 24 * time.Hour, MaxTTL: defaultMaxTTL}
}

// Validate reports whether CloudFront would accept the policy: TTLs not
// negative and MinTTL <= DefaultTTL <= MaxTTL (a zero MaxTTL being one
// year). Its errors wrap ErrCachePolicy.
func (p *CachePolicy) Validate() error {
	maxTTL := p.maxTTL()
	switch {
	case p.MinTTL < 0 || p.DefaultTTL < 0 || p.MaxTTL < 0:
		return fmt.Errorf("%w: negative TTL (MinTTL %v, DefaultTTL %v, MaxTTL %v)", ErrCachePolicy, p.MinTTL, p.DefaultTTL, p.MaxTTL)
	case p.MinTTL > p.DefaultTTL:
		return fmt.Errorf("%w: MinTTL %v is above DefaultTTL %v", ErrCachePolicy, p.MinTTL, p.DefaultTTL)
	case p.DefaultTTL > maxTTL:
		return fmt.Errorf("%w: DefaultTTL %v is above MaxTTL %v", ErrCachePolicy, p.DefaultTTL, maxTTL)
	}
	for _, h := range p.Headers {
		if h == "" || strings.ContainsAny(h, " :\r\n") {
			return fmt.Errorf("%w: header name %q", ErrCachePolicy, h)
		}
	}
	return nil
}

func (p *CachePolicy) maxTTL() time.Duration {
	if p.MaxTTL == 0 {
		return defaultMaxTTL
	}
	return p.MaxTTL
}

// normalized returns a copy the running simulator reads: its own slices,
// canonical header names.
func (p *CachePolicy) normalized() *CachePolicy {
	c := *p
	c.MaxTTL = p.maxTTL()
	if c.ErrorTTL == 0 {
		c.ErrorTTL = defaultErrorTTL
	}
	c.QueryStrings.Names = slices.Clone(p.QueryStrings.Names)
	c.Cookies = slices.Clone(p.Cookies)
	c.Headers = make([]string, 0, len(p.Headers))
	for _, h := range p.Headers {
		c.Headers = append(c.Headers, textproto.CanonicalMIMEHeaderKey(h))
	}
	slices.Sort(c.Headers)
	c.Headers = slices.Compact(c.Headers)
	return &c
}

// isSignedCookie reports whether a cookie is one of CloudFront's signing
// cookies.
func isSignedCookie(name string) bool {
	switch name {
	case signer.CookieExpires, signer.CookiePolicy, signer.CookieSignature,
		signer.CookieKeyPairID, signer.CookieHashAlgorithm:
		return true
	}
	return false
}

// keyCookies returns the request's cookies that are in the key, sorted by
// name as CloudFront sorts forwarded cookies ("Cache content based on
// cookies").
func (p *CachePolicy) keyCookies(r *http.Request) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.Cookies() {
		if !isSignedCookie(c.Name) && (p.AllCookies || slices.Contains(p.Cookies, c.Name)) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *http.Cookie) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// key returns the cache key of a viewer request on the behavior with the
// given path pattern. Every part is length-prefixed, so no value can pose as
// another part.
func (p *CachePolicy) key(pattern string, r *http.Request) string {
	var b strings.Builder
	part := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	part(pattern)
	part(r.URL.EscapedPath())
	part(p.QueryStrings.filter(r.URL.RawQuery))
	for _, h := range p.Headers {
		part(h)
		part(strings.Join(r.Header.Values(h), ","))
	}
	for _, c := range p.keyCookies(r) {
		part(c.Name)
		part(c.Value)
	}
	return b.String()
}
