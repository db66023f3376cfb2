package hlstest

import (
	"crypto"
	"time"
)

// Option configures a CloudFront in NewCloudFront.
type Option func(*config)

type config struct {
	keys      []trustedKey
	clock     func() time.Time
	behaviors []Behavior
	def       Behavior
	domain    string
}

type trustedKey struct {
	id  string
	pub crypto.PublicKey
}

// WithKey trusts pub (RSA 2048 or ECDSA P-256) under keyPairID, as a public
// key in the distribution's trusted key group. Give it once per key; several
// keys make a key group, and credentials signed by any of them verify.
func WithKey(keyPairID string, pub crypto.PublicKey) Option {
	return func(c *config) { c.keys = append(c.keys, trustedKey{keyPairID, pub}) }
}

// WithClock sets the clock policies are checked against (DateLessThan,
// DateGreaterThan). The default is time.Now. It does not affect TLS.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithBehavior adds a cache behavior. Behaviors are tried in the order they
// are given, before the default behavior; the first whose PathPattern
// matches serves the request.
func WithBehavior(b Behavior) Option {
	return func(c *config) { c.behaviors = append(c.behaviors, b) }
}

// WithDefaultBehavior sets the default behavior, which serves what no other
// behavior matches. Its PathPattern is ignored. Without this option the
// default behavior is the zero Behavior: the origin given to NewCloudFront,
// signed requests required, no query parameter forwarded.
func WithDefaultBehavior(b Behavior) Option {
	return func(c *config) { c.def = b }
}

// WithDomain gives the distribution an alternate domain name such as
// "d111111abcdef8.cloudfront.net" or "cdn.example.com". The simulator then
// speaks HTTPS with a certificate for that name, URL is "https://" + name
// (no port), and the clients from Client and ClientFrom trust the certificate
// and reach the simulator whatever port the URL names. Policies are checked
// against the host the viewer sent, so a policy for
// "https://d111111abcdef8.cloudfront.net/movies/1/*" works as it would on AWS.
//
// Without WithDomain the simulator speaks plain HTTP on a loopback address,
// as httptest.NewServer does.
func WithDomain(name string) Option {
	return func(c *config) { c.domain = name }
}
