package signer_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

var benchPolicy = policy.New(cdn+"/movies/1/*", exp)

// BenchmarkBareRSASignSHA1 is the floor for an uncached RSA credential: one
// PKCS#1 v1.5 signature over the SHA-1 digest of the same policy bytes.
func BenchmarkBareRSASignSHA1(b *testing.B) {
	key := testRSAKey(b)
	doc, err := benchPolicy.JSON()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		d := sha1.Sum(doc)
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCredentials(b *testing.B, key crypto.Signer, id string, opts ...signer.Option) {
	s, err := signer.New(id, key, opts...)
	require.NoError(b, err)
	_, err = s.Credentials(benchPolicy)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Credentials(benchPolicy); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCredentialsUncachedRSA: JSON, digest, RSA-2048 signature, base64.
func BenchmarkCredentialsUncachedRSA(b *testing.B) {
	benchCredentials(b, testRSAKey(b), "K2JCJMDEHXQW5F", signer.WithCacheSize(0))
}

// BenchmarkCredentialsUncachedECDSA: the same with ECDSA P-256.
func BenchmarkCredentialsUncachedECDSA(b *testing.B) {
	benchCredentials(b, testECKey(b), "K3ECDSAEXAMPLE1", signer.WithCacheSize(0))
}

// BenchmarkCredentialsCached: every viewer of the same bucketed policy.
func BenchmarkCredentialsCached(b *testing.B) {
	benchCredentials(b, testRSAKey(b), "K2JCJMDEHXQW5F")
}

// BenchmarkSignURLCachedWildcard: a signed URL per request from a cached
// wildcard policy.
func BenchmarkSignURLCachedWildcard(b *testing.B) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(b))
	require.NoError(b, err)
	const u = cdn + "/movies/1/index.m3u8?lang=en"
	_, err = s.SignURL(u, benchPolicy)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.SignURL(u, benchPolicy); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyURL: what hlstest and defence-in-depth handlers pay per request.
func BenchmarkVerifyURL(b *testing.B) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(b))
	require.NoError(b, err)
	u, err := s.SignURL(cdn+"/movies/1/index.m3u8", benchPolicy)
	require.NoError(b, err)
	v := signer.NewVerifier()
	require.NoError(b, v.AddKey("K2JCJMDEHXQW5F", testRSAKey(b).Public()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyURL(u, netip.Addr{}, now); err != nil {
			b.Fatal(err)
		}
	}
}
