package signer

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/cfhls/cfhls/policy"
)

// DefaultCacheSize is how many credentials a Signer keeps unless
// [WithCacheSize] says otherwise.
const DefaultCacheSize = 4096

// Signer turns policies into CloudFront credentials with one key pair. It is
// safe for concurrent use. Credentials are cached by policy, so when expiries
// are bucketed (policy.RoundUp) one signing operation serves every viewer of
// the same policy in the same bucket.
type Signer struct {
	keyPairID string
	key       crypto.Signer
	hash      crypto.Hash
	now       func() time.Time
	cache     *cache
}

// Option configures a Signer in [New].
type Option func(*Signer) error

// WithHash selects the digest signed: crypto.SHA1 (the default, what every
// CloudFront distribution accepts) or crypto.SHA256, which adds
// Hash-Algorithm=SHA256 to URLs and a CloudFront-Hash-Algorithm cookie.
func WithHash(h crypto.Hash) Option {
	return func(s *Signer) error {
		if h != crypto.SHA1 && h != crypto.SHA256 {
			return fmt.Errorf("signer: hash %v: CloudFront accepts SHA-1 and SHA-256", h)
		}
		s.hash = h
		return nil
	}
}

// WithClock sets the clock used to refuse signing already expired policies.
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Signer) error {
		if now == nil {
			return fmt.Errorf("signer: WithClock(nil)")
		}
		s.now = now
		return nil
	}
}

// WithCacheSize bounds the credential cache to n entries; 0 disables it.
func WithCacheSize(n int) Option {
	return func(s *Signer) error {
		if n < 0 {
			return fmt.Errorf("signer: cache size %d is negative", n)
		}
		s.cache = newCache(n)
		return nil
	}
}

// New returns a Signer for the CloudFront public key keyPairID (the ID of the
// public key in the distribution's trusted key group, such as K2JCJMDEHXQW5F)
// and its private key, which must be RSA 2048 or ECDSA P-256.
func New(keyPairID string, key crypto.Signer, opts ...Option) (*Signer, error) {
	if err := checkKeyPairID(keyPairID); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("signer: New: nil key")
	}
	if err := checkPublic(key.Public()); err != nil {
		return nil, err
	}
	s := &Signer{keyPairID: keyPairID, key: key, hash: crypto.SHA1, now: time.Now, cache: newCache(DefaultCacheSize)}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func checkKeyPairID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: it is empty: use the ID CloudFront shows for the public key", ErrKeyPairID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: %q has %q at byte %d: IDs are letters, digits, '-' and '_'", ErrKeyPairID, id, c, i)
		}
	}
	return nil
}

// KeyPairID returns the key pair ID credentials name.
func (s *Signer) KeyPairID() string { return s.keyPairID }

// Hash returns the digest the Signer signs (crypto.SHA1 or crypto.SHA256).
func (s *Signer) Hash() crypto.Hash { return s.hash }

// Now returns the Signer's clock reading.
func (s *Signer) Now() time.Time { return s.now() }

// Credentials signs p. The canned form (Expires=…) is used when the policy can
// travel canned (no wildcard, no NotBefore, no SourceIP); such credentials are
// good for exactly the URL in p.Resource. Otherwise the custom form
// (Policy=…) is used. An invalid policy wraps policy.ErrInvalid, and a policy
// already expired by the Signer's clock wraps [ErrExpired].
func (s *Signer) Credentials(p policy.Policy) (Credentials, error) {
	e, err := s.credentials(p, p.CanTravelCanned())
	return e.creds, err
}

// Query is Credentials(p).Encode() without the encoding: the cache keeps the
// encoded form, so a cached policy costs no allocation beyond the lookup.
// Use it where every request needs the query string, as a server-side
// rewriting origin does.
func (s *Signer) Query(p policy.Policy) (string, error) {
	e, err := s.credentials(p, p.CanTravelCanned())
	return e.query, err
}

// credentials signs p in the given form, through the cache.
func (s *Signer) credentials(p policy.Policy, canned bool) (signed, error) {
	if now := s.now(); now.Unix() >= p.Expires.Unix() {
		return signed{}, fmt.Errorf("signer: %w: policy expires %s, before now (%s)", ErrExpired,
			p.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	k := cacheKey{resource: p.Resource, expires: p.Expires.Unix(), ip: p.SourceIP, canned: canned}
	if !p.NotBefore.IsZero() {
		k.notBefore = p.NotBefore.Unix()
	}
	if e, ok := s.cache.get(k); ok {
		return e, nil
	}
	doc, err := p.JSON()
	if err != nil {
		return signed{}, fmt.Errorf("signer: %w", err)
	}
	sig, err := s.sign(doc)
	if err != nil {
		return signed{}, err
	}
	c := Credentials{Signature: policy.Encode(sig), KeyPairID: s.keyPairID}
	if canned {
		c.Expires = p.Expires.Unix()
	} else {
		c.Policy = policy.Encode(doc)
	}
	if s.hash == crypto.SHA256 {
		c.HashAlgorithm = "SHA256"
	}
	e := signed{creds: c, query: c.Encode()}
	s.cache.put(k, e, s.now)
	return e, nil
}

func (s *Signer) sign(doc []byte) ([]byte, error) {
	var digest []byte
	if s.hash == crypto.SHA256 {
		d := sha256.Sum256(doc)
		digest = d[:]
	} else {
		d := sha1.Sum(doc)
		digest = d[:]
	}
	sig, err := s.key.Sign(rand.Reader, digest, s.hash)
	if err != nil {
		return nil, fmt.Errorf("signer: sign policy: %w", err)
	}
	return sig, nil
}
