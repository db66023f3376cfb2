package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

const cdn = "https://d111111abcdef8.cloudfront.net"

var exp = time.Unix(1900000000, 0)

// countingKey counts signing operations.
type countingKey struct {
	crypto.Signer
	n atomic.Int64
}

func (k *countingKey) Sign(r io.Reader, digest []byte, o crypto.SignerOpts) ([]byte, error) {
	k.n.Add(1)
	return k.Signer.Sign(r, digest, o)
}

func TestNew(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		id   string
		key  crypto.Signer
		opts []signer.Option
		want error
		msg  string
	}{
		{"ok", "K2JCJMDEHXQW5F", testRSAKey(t), nil, nil, ""},
		{"ok ECDSA SHA-256", "K3ECDSAEXAMPLE1", testECKey(t), []signer.Option{signer.WithHash(crypto.SHA256)}, nil, ""},
		{"empty id", "", testRSAKey(t), nil, signer.ErrKeyPairID, "invalid key pair ID: it is empty"},
		{"id with ampersand", "K2&x=1", testRSAKey(t), nil, signer.ErrKeyPairID, "'&' at byte 2"},
		{"nil key", "K1", nil, nil, signer.ErrNoKey, "nil key"},
		{"P-384", "K1", p384, nil, signer.ErrUnsupportedKey, "P-384"},
		{"MD5", "K1", testRSAKey(t), []signer.Option{signer.WithHash(crypto.MD5)}, signer.ErrConfig, "crypto.SHA1 and crypto.SHA256"},
		{"negative cache", "K1", testRSAKey(t), []signer.Option{signer.WithCacheSize(-1)}, signer.ErrConfig, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.New(tc.id, tc.key, tc.opts...)
			if tc.msg == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.id, s.KeyPairID())
				return
			}
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

func TestSignURL(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	v := testVerifier(t)
	wild := policy.New(cdn+"/movies/1/*", exp)
	withIP := wild
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name   string
		url    string
		p      policy.Policy
		prefix string // what the signed URL starts with
		suffix string // what it ends with ("" to skip)
		canned bool
		err    error
	}{
		{"canned", cdn + "/movies/1/a.ts", policy.New(cdn+"/movies/1/a.ts", exp), cdn + "/movies/1/a.ts?Expires=1900000000&Signature=", "&Key-Pair-Id=K2JCJMDEHXQW5F", true, nil},
		{"custom exact URL travels canned", cdn + "/a.ts", policy.New(cdn+"/a.ts", exp), cdn + "/a.ts?Expires=1900000000&", "", true, nil},
		{"wildcard", cdn + "/movies/1/index.m3u8", wild, cdn + "/movies/1/index.m3u8?Policy=", "&Key-Pair-Id=K2JCJMDEHXQW5F", false, nil},
		{"existing query", cdn + "/movies/1/index.m3u8?v=1", wild, cdn + "/movies/1/index.m3u8?v=1&Policy=", "", false, nil},
		{"trailing question mark", cdn + "/movies/1/index.m3u8?", wild, cdn + "/movies/1/index.m3u8?Policy=", "", false, nil},
		{"trailing ampersand", cdn + "/movies/1/index.m3u8?v=1&", wild, cdn + "/movies/1/index.m3u8?v=1&Policy=", "", false, nil},
		{"fragment kept last", cdn + "/movies/1/index.m3u8#t=10", wild, cdn + "/movies/1/index.m3u8?Policy=", "&Key-Pair-Id=K2JCJMDEHXQW5F#t=10", false, nil},
		{"canned with fragment", cdn + "/a.ts?v=1#x", policy.New(cdn+"/a.ts?v=1", exp), cdn + "/a.ts?v=1&Expires=1900000000&", "#x", true, nil},
		{"source IP", cdn + "/movies/1/a.ts", withIP, cdn + "/movies/1/a.ts?Policy=", "", false, nil},
		{"relative", "/movies/1/a.ts", wild, "", "", false, signer.ErrBadURL},
		{"other scheme", "ftp://d/a.ts", policy.New("*", exp), "", "", false, signer.ErrBadURL},
		{"no host", "https:///a.ts", policy.New("*", exp), "", "", false, signer.ErrBadURL},
		{"unparsable", "https://d/%zz", policy.New("*", exp), "", "", false, signer.ErrBadURL},
		{"already signed", cdn + "/movies/1/a.ts?Signature=x", wild, "", "", false, signer.ErrAlreadySigned},
		{"already signed escaped name", cdn + "/movies/1/a.ts?Key%2DPair-Id=x", wild, "", "", false, signer.ErrAlreadySigned},
		{"hash algorithm present", cdn + "/movies/1/a.ts?Hash-Algorithm=SHA256", wild, "", "", false, signer.ErrAlreadySigned},
		{"outside wildcard", cdn + "/movies/10/a.ts", wild, "", "", false, signer.ErrResource},
		{"canned for another URL", cdn + "/b.ts", policy.New(cdn+"/a.ts", exp), "", "", false, signer.ErrResource},
		{"URL with a star signed for itself", cdn + "/movies/1/*", policy.New(cdn+"/movies/1/*", exp), "", "", false, signer.ErrResource},
		{"URL with a star under a pattern", cdn + "/movies/1/a*b.ts", wild, cdn + "/movies/1/a*b.ts?Policy=", "", false, nil},
		{"invalid policy", cdn + "/a.ts", policy.New(cdn+"/a.ts", time.Time{}), "", "", false, policy.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SignURL(tc.url, tc.p)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Contains(t, got, tc.prefix)
			assert.Equal(t, tc.prefix, got[:len(tc.prefix)])
			if tc.suffix != "" {
				assert.Equal(t, tc.suffix, got[len(got)-len(tc.suffix):])
			}
			res, err := v.VerifyURL(got, netip.MustParseAddr("192.0.2.1"), now)
			require.NoError(t, err, "the independent verifier must accept %s", got)
			assert.Equal(t, tc.canned, res.Form == policy.FormCanned)
		})
	}
}

func TestCredentialsCache(t *testing.T) {
	key := &countingKey{Signer: testRSAKey(t)}
	s, err := signer.New("K2JCJMDEHXQW5F", key)
	require.NoError(t, err)
	p := policy.New(cdn+"/movies/1/*", exp)

	first, err := s.Credentials(p)
	require.NoError(t, err)
	second, err := s.Credentials(p)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.EqualValues(t, 1, key.n.Load(), "the second call is served from the cache")

	// Every field of the policy is part of the key.
	other := p
	other.NotBefore = now.Add(-time.Hour)
	_, err = s.Credentials(other)
	require.NoError(t, err)
	other = p
	other.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	_, err = s.Credentials(other)
	require.NoError(t, err)
	_, err = s.Credentials(policy.New(cdn+"/movies/1/*", exp.Add(time.Second)))
	require.NoError(t, err)
	assert.EqualValues(t, 4, key.n.Load())

	// The form follows the policy: canned for one URL, custom for a pattern.
	c1, err := s.Credentials(policy.New(cdn+"/a.ts", exp))
	require.NoError(t, err)
	u, err := s.SignURL(cdn+"/b.ts", policy.New(cdn+"/*.ts", exp))
	require.NoError(t, err)
	assert.Equal(t, policy.FormCanned, c1.Form())
	assert.Contains(t, u, "Policy=")
}

func TestCredentialsCacheBounded(t *testing.T) {
	key := &countingKey{Signer: testECKey(t)}
	s, err := signer.New("K3ECDSAEXAMPLE1", key, signer.WithCacheSize(2))
	require.NoError(t, err)
	for i := range 5 {
		_, err := s.Credentials(policy.New(cdn+"/*", exp.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	require.EqualValues(t, 5, key.n.Load())
	hits := 0
	for i := range 5 {
		before := key.n.Load()
		_, err := s.Credentials(policy.New(cdn+"/*", exp.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
		if key.n.Load() == before {
			hits++
		}
	}
	assert.LessOrEqual(t, hits, 2, "a cache of 2 cannot serve more than 2 of 5 policies")

	none, err := signer.New("K3ECDSAEXAMPLE1", key, signer.WithCacheSize(0))
	require.NoError(t, err)
	before := key.n.Load()
	for range 3 {
		_, err := none.Credentials(policy.New(cdn+"/*", exp))
		require.NoError(t, err)
	}
	assert.EqualValues(t, 3, key.n.Load()-before, "size 0 disables the cache")
}

func TestCredentialsConcurrent(t *testing.T) {
	s, err := signer.New("K3ECDSAEXAMPLE1", testECKey(t), signer.WithCacheSize(8))
	require.NoError(t, err)
	v := testVerifier(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 8 {
				p := policy.New(cdn+"/movies/1/*", exp.Add(time.Duration((g+i)%12)*time.Second))
				u, err := s.SignURL(cdn+"/movies/1/a.ts", p)
				if err == nil {
					_, err = v.VerifyURL(u, netip.Addr{}, now)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestCredentialsEncode(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    signer.Credentials
		want string
	}{
		{"canned", signer.Credentials{Expires: 1900000000, Signature: "S~-_", KeyPairID: "K1"}, "Expires=1900000000&Signature=S~-_&Key-Pair-Id=K1"},
		{"custom", signer.Credentials{Policy: "P", Signature: "S", KeyPairID: "K1"}, "Policy=P&Signature=S&Key-Pair-Id=K1"},
		{"sha256", signer.Credentials{Policy: "P", Signature: "S", KeyPairID: "K1", HashAlgorithm: "SHA256"}, "Policy=P&Signature=S&Key-Pair-Id=K1&Hash-Algorithm=SHA256"},
		{"hostile values escaped", signer.Credentials{Policy: "P&Expires=1", Signature: "S #", KeyPairID: "K1"}, "Policy=P%26Expires%3D1&Signature=S%20%23&Key-Pair-Id=K1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.c.Encode())
			assert.Equal(t, "a.ts?"+tc.want, string(tc.c.AppendQuery([]byte("a.ts?"))))
			assert.Equal(t, "x=1&"+tc.want, string(tc.c.AppendQuery([]byte("x=1"))))
		})
	}
	assert.True(t, signer.Credentials{}.IsZero())
	assert.Equal(t, int64(1900000000), signer.Credentials{Expires: 1900000000}.Expiry().Unix())
	assert.True(t, signer.Credentials{Policy: "not base64!"}.Expiry().IsZero())
}

func TestCredentialsExpiry(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	c, err := s.Credentials(policy.New(cdn+"/*", exp))
	require.NoError(t, err)
	assert.Equal(t, exp.Unix(), c.Expiry().Unix())
	assert.Equal(t, crypto.SHA1, s.Hash())
}

func TestQuery(t *testing.T) {
	key := &countingKey{Signer: testRSAKey(t)}
	s, err := signer.New("K2JCJMDEHXQW5F", key)
	require.NoError(t, err)
	p := policy.New(cdn+"/movies/1/*", exp)
	q, err := s.Query(p)
	require.NoError(t, err)
	c, err := s.Credentials(p)
	require.NoError(t, err)
	assert.Equal(t, c.Encode(), q)
	assert.EqualValues(t, 1, key.n.Load(), "one signature for both")
	// A Signer reads no clock: a policy that has already expired is signed
	// (CloudFront will refuse it); whoever picks the expiry owns the time.
	old, err := s.Query(policy.New(cdn+"/*", time.Unix(1000000000, 0)))
	require.NoError(t, err)
	assert.Contains(t, old, "Policy=")
}
