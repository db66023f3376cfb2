package signer

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"

	"github.com/cfhls/cfhls/policy"
)

// DefaultCacheSize is how many credentials a Signer keeps unless
// [WithCacheSize] says otherwise.
const DefaultCacheSize = 4096

// Signer turns policies into CloudFront credentials with one key pair. It is
// safe for concurrent use and cannot be changed once made: [New] checks the
// key and every [Option], so a bad key or setting fails at startup.
// Credentials are cached by policy, so when expiries are bucketed
// (policy.RoundUp) one signing operation serves every viewer of the same
// policy in the same bucket.
//
// A Signer decides nothing by the clock: it signs any valid policy, already
// expired or not, and whoever picks the expiry (a Handler, with its Now
// field) owns the time. Only its cache looks at the wall clock, to drop
// expired entries first when it is full.
type Signer struct {
	keyPairID string
	key       crypto.Signer
	hash      crypto.Hash
	cache     *cache
}

// Option configures a Signer in [New]. An Option that cannot apply makes New
// fail with an error wrapping [ErrConfig].
type Option func(*Signer) error

// WithHash selects the digest signed: crypto.SHA1 (the default, what every
// CloudFront distribution accepts) or crypto.SHA256, which adds
// Hash-Algorithm=SHA256 to URLs and a CloudFront-Hash-Algorithm cookie.
func WithHash(h crypto.Hash) Option {
	return func(s *Signer) error {
		if h != crypto.SHA1 && h != crypto.SHA256 {
			return fmt.Errorf("%w: WithHash(%v): CloudFront accepts crypto.SHA1 and crypto.SHA256", ErrConfig, h)
		}
		s.hash = h
		return nil
	}
}

// WithCacheSize bounds the credential cache to n entries; 0 disables it.
func WithCacheSize(n int) Option {
	return func(s *Signer) error {
		if n < 0 {
			return fmt.Errorf("%w: WithCacheSize(%d): the size is negative; 0 disables the cache", ErrConfig, n)
		}
		s.cache = newCache(n)
		return nil
	}
}

// New returns a Signer for the CloudFront public key keyPairID (the ID of the
// public key in the distribution's trusted key group, such as K2JCJMDEHXQW5F)
// and its private key, which must be RSA 2048 or ECDSA P-256. Its errors wrap
// [ErrKeyPairID], [ErrNoKey] (a nil key), [ErrUnsupportedKey] or [ErrConfig].
func New(keyPairID string, key crypto.Signer, opts ...Option) (*Signer, error) {
	if err := checkKeyPairID(keyPairID); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("%w: New was given a nil key: load one with LoadPrivateKey or ParsePrivateKey", ErrNoKey)
	}
	if err := checkPublic(key.Public()); err != nil {
		return nil, err
	}
	s := &Signer{keyPairID: keyPairID, key: key, hash: crypto.SHA1, cache: newCache(DefaultCacheSize)}
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

// Credentials signs p in the form p.Form() names: canned (Expires=…),
// good for exactly the URL in p.Resource, or custom (Policy=…). An invalid
// policy wraps policy.ErrInvalid.
func (s *Signer) Credentials(p policy.Policy) (Credentials, error) {
	e, err := s.credentials(p)
	return e.creds, err
}

// Query is Credentials(p).Encode() without the encoding: the cache keeps the
// encoded form, so a cached policy costs no allocation beyond the lookup.
// Use it where every request needs the query string, as a server-side
// rewriting origin does.
func (s *Signer) Query(p policy.Policy) (string, error) {
	e, err := s.credentials(p)
	return e.query, err
}

// credentials signs p in its form, through the cache. p is validated first,
// so an invalid policy never finds a cached entry of a valid one.
func (s *Signer) credentials(p policy.Policy) (signed, error) {
	if err := p.Validate(); err != nil {
		return signed{}, fmt.Errorf("signer: %w", err)
	}
	k := cacheKey{resource: p.Resource, expires: p.Expires.Unix(), ip: p.SourceIP}
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
	if p.Form() == policy.FormCanned {
		c.Expires = p.Expires.Unix()
	} else {
		c.Policy = policy.Encode(doc)
	}
	if s.hash == crypto.SHA256 {
		c.HashAlgorithm = "SHA256"
	}
	e := signed{creds: c, query: c.Encode()}
	s.cache.put(k, e)
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
