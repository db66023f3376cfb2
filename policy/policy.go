package policy

import (
	"net/netip"
	"strings"
	"time"
)

// Policy is one CloudFront policy statement: the only shape CloudFront accepts.
//
// The zero value is not valid; build one with [Canned] or [Custom] and set the
// optional fields directly.
type Policy struct {
	// Resource is the URL the policy covers, or a pattern with CloudFront's
	// wildcards: '*' matches any run of characters, '?' exactly one.
	// It must be ASCII, without spaces: percent-encode everything else.
	Resource string
	// Expires is CloudFront's DateLessThan: requests at or after it are refused.
	// Required. CloudFront counts whole seconds; fractions are truncated.
	Expires time.Time
	// NotBefore is CloudFront's DateGreaterThan: requests before it are
	// refused (viewers may start on or after it). The zero time means none.
	NotBefore time.Time
	// SourceIP is CloudFront's AWS:SourceIp, an IPv4 CIDR block the viewer's
	// address must fall in. The zero Prefix means any address.
	SourceIP netip.Prefix

	// canned records that the policy was built by Canned: Validate then refuses
	// what cannot travel in canned form instead of silently signing a custom one.
	canned bool
}

// Canned returns a policy for exactly one URL until expires, meant to travel in
// canned form (Expires= instead of Policy=, a shorter URL). The URL must not
// contain '*', and NotBefore and SourceIP must stay unset: Validate refuses them.
func Canned(url string, expires time.Time) Policy {
	return Policy{Resource: url, Expires: expires, canned: true}
}

// Custom returns a policy for resource (a URL or a wildcard pattern such as
// "https://d111111abcdef8.cloudfront.net/movies/1/*") until expires. Set
// NotBefore and SourceIP on the result when needed.
func Custom(resource string, expires time.Time) Policy {
	return Policy{Resource: resource, Expires: expires}
}

// IsCanned reports whether the policy was built by [Canned].
func (p Policy) IsCanned() bool { return p.canned }

// CanTravelCanned reports whether the policy can be sent in canned form: it has
// no wildcard and no condition but the expiry. The canned form is then only
// valid for a request to exactly the URL in Resource.
func (p Policy) CanTravelCanned() bool {
	return !strings.Contains(p.Resource, "*") && p.NotBefore.IsZero() && p.SourceIP == (netip.Prefix{})
}

// HasWildcard reports whether Resource contains CloudFront's '*' wildcard.
func (p Policy) HasWildcard() bool { return strings.Contains(p.Resource, "*") }
