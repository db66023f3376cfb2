package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Policy is one CloudFront policy statement: the only shape CloudFront accepts.
//
// It is a plain value: a literal and [New] build the same thing, and every
// property of a policy, its [Form] included, is derived from the exported
// fields. The zero value is not valid: Resource and Expires are required.
type Policy struct {
	// Resource is the URL the policy covers, or a pattern with CloudFront's
	// wildcards: '*' matches any run of characters, '?' exactly one. The
	// wildcards apply to the custom form only (see Form): without a '*' or
	// a condition the policy travels canned, and its '?' are the literal
	// ones of a query. It must be ASCII, without spaces: percent-encode
	// everything else.
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
}

// New returns the policy for resource until expires: a URL, or a pattern such
// as "https://d111111abcdef8.cloudfront.net/movies/1/*". Set NotBefore and
// SourceIP on the result when needed. New(r, e) is Policy{Resource: r,
// Expires: e}.
func New(resource string, expires time.Time) Policy {
	return Policy{Resource: resource, Expires: expires}
}

// Form is how credentials carry their policy: canned or custom.
type Form uint8

// The two forms CloudFront accepts.
const (
	// FormCanned carries only the expiry (Expires=… and CloudFront-Expires).
	// CloudFront rebuilds the policy from the request URL, so canned
	// credentials are good for exactly one URL, byte for byte, and no
	// character in it is a wildcard.
	FormCanned Form = iota + 1
	// FormCustom carries the whole policy (Policy=… and CloudFront-Policy):
	// wildcards, NotBefore and SourceIP need it.
	FormCustom
)

// String returns "canned" or "custom".
func (f Form) String() string {
	switch f {
	case FormCanned:
		return "canned"
	case FormCustom:
		return "custom"
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

// Form returns the form credentials for p travel in: FormCanned when p has
// no '*' in Resource, no NotBefore and no SourceIP, which is when CloudFront
// reads the canned form exactly like the custom one for a request to
// Resource itself; FormCustom otherwise. A '?' alone keeps a policy canned:
// it is then the literal '?' of a query, not a wildcard, so put a '*' in
// Resource to cover more than one URL.
func (p Policy) Form() Form {
	if strings.Contains(p.Resource, "*") || !p.NotBefore.IsZero() || p.SourceIP != (netip.Prefix{}) {
		return FormCustom
	}
	return FormCanned
}
