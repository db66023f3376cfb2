package hlstest

import (
	"crypto"
	"net"
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
	listener  net.Listener
	observe   func(Entry)
	logLimit  int
	limits    serverLimits
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

// WithListener serves on l instead of a new loopback listener, so a
// long-running program (like examples/server) can put the simulator on a
// fixed address. Close closes l.
func WithListener(l net.Listener) Option {
	return func(c *config) { c.listener = l }
}

// WithObserver calls f with each log entry once its request is answered,
// from the request's goroutine; f must be safe for concurrent use.
func WithObserver(f func(Entry)) Option {
	return func(c *config) { c.observe = f }
}

// WithLogLimit keeps only the newest n entries in the log (Log, Refusals),
// for long-running programs. Zero or negative keeps every entry.
func WithLogLimit(n int) Option {
	return func(c *config) { c.logLimit = n }
}
