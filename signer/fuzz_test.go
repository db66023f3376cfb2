package signer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cfhls/cfhls/signer"
)

// FuzzParsePrivateKey: never panics; what it accepts is a key CloudFront
// takes; what it refuses wraps a key sentinel.
func FuzzParsePrivateKey(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "keys", "*.pem*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := signer.ParsePrivateKey(data)
		if err != nil {
			assert.True(t, errors.Is(err, signer.ErrNoKey) || errors.Is(err, signer.ErrEncryptedKey) || errors.Is(err, signer.ErrUnsupportedKey), "%v", err)
			return
		}
		switch key := k.(type) {
		case *rsa.PrivateKey:
			assert.Equal(t, 2048, key.N.BitLen())
		case *ecdsa.PrivateKey:
			assert.Equal(t, elliptic.P256(), key.Curve)
		default:
			t.Fatalf("accepted %T", k)
		}
	})
}

// FuzzVerifyURL: the verifier never panics on any URL, every refusal wraps
// one of the reasons CloudFront gives or ErrDotSegment, and no URL it accepts
// has a dot segment in its path.
func FuzzVerifyURL(f *testing.F) {
	for _, vec := range loadVectors(f) {
		if vec.Kind == "url" {
			f.Add(vec.SignedURL)
		}
	}
	f.Add("https://d/a.ts?Expires=1&Signature=~~~~&Key-Pair-Id=K2JCJMDEHXQW5F")
	f.Add("https://d/a.ts?Policy=%zz&Key-Pair-Id=K2JCJMDEHXQW5F")
	v := signer.NewVerifier()
	pub, err := signer.LoadPublicKey(filepath.Join("testdata", "keys", "rsa2048-pub-pkix.pem"))
	if err != nil {
		f.Fatal(err)
	}
	if err := v.AddKey("K2JCJMDEHXQW5F", pub); err != nil {
		f.Fatal(err)
	}
	reasons := []error{signer.ErrMissingKeyPairID, signer.ErrUnknownKey, signer.ErrMalformedPolicy, signer.ErrBadSignature,
		signer.ErrExpired, signer.ErrNotYetValid, signer.ErrSourceIP, signer.ErrResource, signer.ErrDotSegment}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := v.VerifyURL(raw, netip.MustParseAddr("192.0.2.1"), now)
		if err == nil {
			assert.NoError(t, signer.CheckPath(raw), "accepted a path with a dot segment")
			return
		}
		for _, r := range reasons {
			if errors.Is(err, r) {
				return
			}
		}
		t.Fatalf("refusal without a reason: %v", err)
	})
}

// FuzzExtract: reading carried credentials never panics, and what it reads
// encodes and reads back the same.
func FuzzExtract(f *testing.F) {
	f.Add("Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K")
	f.Add("Expires-PREFIX=1900000000&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K&Hash-Algorithm-PREFIX=SHA256")
	f.Add("Expires-PREFIX=1&Policy-PREFIX=P")
	k := signer.Suffix("-PREFIX")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		c, err := k.Extract(q)
		if err != nil {
			return
		}
		again, err := url.ParseQuery(k.Encode(c))
		if !assert.NoError(t, err) {
			return
		}
		back, err := k.Extract(again)
		assert.NoError(t, err)
		assert.Equal(t, c, back)
	})
}
