package signer

import (
	"crypto"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
)

const cacheTestCDN = "https://d111111abcdef8.cloudfront.net"

var (
	cacheTestNow = time.Unix(1850000000, 0)
	cacheTestIP  = netip.MustParseAddr("192.0.2.7")
)

func cacheTestKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	k, err := LoadPrivateKey("testdata/keys/" + name)
	require.NoError(t, err)
	return k
}

// TestVerifierCacheDecidesNothingButTheSignature: once a signature is
// cached, every check that depends on the call still runs: time, client,
// URL, and whether the key is still the one trusted. Each case verifies
// valid credentials (which caches their signature), then calls again with
// one thing changed.
func TestVerifierCacheDecidesNothingButTheSignature(t *testing.T) {
	rsaKey, ecKey := cacheTestKey(t, "rsa2048-pkcs8.pem"), cacheTestKey(t, "ec-p256-pkcs8.pem")
	s, err := New("K2JCJMDEHXQW5F", rsaKey)
	require.NoError(t, err)
	p := policy.New(cacheTestCDN+"/movies/1/*", cacheTestNow.Add(time.Hour))
	p.NotBefore = cacheTestNow.Add(-time.Hour)
	p.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	creds, err := s.Credentials(p)
	require.NoError(t, err)
	const url = cacheTestCDN + "/movies/1/a.ts"
	tampered := creds
	tampered.Signature = "AAAA" + creds.Signature[4:]
	canned, err := s.Credentials(policy.New(url, cacheTestNow.Add(time.Hour)))
	require.NoError(t, err)

	again := func(c Credentials, url string, client netip.Addr, at time.Time) func(*Verifier) (Result, error) {
		return func(v *Verifier) (Result, error) { return v.VerifyCredentials(url, c, client, at) }
	}
	for _, tc := range []struct {
		name    string
		first   Credentials
		then    func(v *Verifier) (Result, error)
		want    error // nil: accepted
		entries int   // in the cache afterwards
	}{
		{"same again", creds, again(creds, url, cacheTestIP, cacheTestNow), nil, 1},
		{"then expired", creds, again(creds, url, cacheTestIP, cacheTestNow.Add(time.Hour)), ErrExpired, 1},
		{"then not yet valid", creds, again(creds, url, cacheTestIP, cacheTestNow.Add(-2*time.Hour)), ErrNotYetValid, 1},
		{"then another resource", creds, again(creds, cacheTestCDN+"/movies/2/a.ts", cacheTestIP, cacheTestNow), ErrResource, 1},
		{"then another IP", creds, again(creds, url, netip.MustParseAddr("198.51.100.7"), cacheTestNow), ErrSourceIP, 1},
		{"then a tampered signature", creds, again(tampered, url, cacheTestIP, cacheTestNow), ErrBadSignature, 1},
		{"canned, then another URL", canned, again(canned, cacheTestCDN+"/movies/1/b.ts", cacheTestIP, cacheTestNow), ErrBadSignature, 1},
		{"then the key removed", creds, func(v *Verifier) (Result, error) {
			v.RemoveKey("K2JCJMDEHXQW5F")
			return v.VerifyCredentials(url, creds, cacheTestIP, cacheTestNow)
		}, ErrUnknownKey, 1},
		{"then the key replaced", creds, func(v *Verifier) (Result, error) {
			require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", ecKey.Public()))
			return v.VerifyCredentials(url, creds, cacheTestIP, cacheTestNow)
		}, ErrBadSignature, 1},
		{"then the key removed and trusted again: verified again", creds, func(v *Verifier) (Result, error) {
			v.RemoveKey("K2JCJMDEHXQW5F")
			require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", rsaKey.Public()))
			return v.VerifyCredentials(url, creds, cacheTestIP, cacheTestNow)
		}, nil, 2},
		{"then the cache emptied", creds, func(v *Verifier) (Result, error) {
			require.NoError(t, v.SetCacheSize(8))
			return v.VerifyCredentials(url, creds, cacheTestIP, cacheTestNow)
		}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVerifier()
			require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", rsaKey.Public()))
			cold, err := v.VerifyCredentials(url, tc.first, cacheTestIP, cacheTestNow)
			require.NoError(t, err)
			require.Equal(t, 1, v.cache.len(), "the first verification is cached")

			warm, err := tc.then(v)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, cold, warm, "a hit fills the Result as a miss does")
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Equal(t, tc.entries, v.cache.len())
		})
	}
}

// TestVerifierCacheOnlySuccesses: a signature that fails is not cached, and
// a failure does not stop the right signature from verifying afterwards,
// whether the credentials come on a URL or as values.
func TestVerifierCacheOnlySuccesses(t *testing.T) {
	rsaKey := cacheTestKey(t, "rsa2048-pkcs8.pem")
	s, err := New("K2JCJMDEHXQW5F", rsaKey)
	require.NoError(t, err)
	const url = cacheTestCDN + "/movies/1/a.ts"
	signed, err := s.SignURL(url, policy.New(cacheTestCDN+"/movies/1/*", cacheTestNow.Add(time.Hour)))
	require.NoError(t, err)
	_, params := SplitSignedURL(signed)
	sig := params.Get(ParamSignature)
	tampered := strings.Replace(signed, sig, "AAAA"+sig[4:], 1)
	require.NotEqual(t, signed, tampered)

	v := NewVerifier()
	require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", rsaKey.Public()))
	for range 2 {
		_, err = v.VerifyURL(tampered, cacheTestIP, cacheTestNow)
		assert.ErrorIs(t, err, ErrBadSignature)
		assert.Zero(t, v.cache.len(), "a failure is never cached")
	}
	_, err = v.VerifyURL(signed, cacheTestIP, cacheTestNow)
	require.NoError(t, err)
	assert.Equal(t, 1, v.cache.len())
	_, err = v.VerifyURL(tampered, cacheTestIP, cacheTestNow)
	assert.ErrorIs(t, err, ErrBadSignature, "refused with the right signature cached")
	_, err = v.VerifyURL(signed, cacheTestIP, cacheTestNow.Add(time.Hour))
	assert.ErrorIs(t, err, ErrExpired, "a cached signed URL still expires")
}

func TestVerifierSetCacheSize(t *testing.T) {
	pub := cacheTestKey(t, "ec-p256-pkcs8.pem").Public()
	v := NewVerifier()
	assert.ErrorIs(t, v.SetCacheSize(-1), ErrConfig)
	require.NoError(t, v.AddKey("K1", pub))
	assert.Equal(t, DefaultVerifierCacheSize, v.cache.max, "the default")

	require.NoError(t, v.SetCacheSize(0))
	assert.Nil(t, v.cache, "0 disables the cache")
	require.NoError(t, v.AddKey("K2", pub))
	assert.Nil(t, v.cache, "and AddKey does not bring it back")

	var zero Verifier
	require.NoError(t, zero.AddKey("K1", pub))
	assert.Equal(t, DefaultVerifierCacheSize, zero.cache.max, "the zero Verifier caches too")
	var off Verifier
	require.NoError(t, off.SetCacheSize(0))
	require.NoError(t, off.AddKey("K1", pub))
	assert.Nil(t, off.cache)
}

// TestSigCacheClock: the cache never holds more than its bound, and an
// entry used since the hand last passed gets a second chance.
func TestSigCacheClock(t *testing.T) {
	k := func(i int) sigKey { return sigKeyOf(uint64(i), "K1", crypto.SHA1, nil, nil) }
	c := newSigCache(3)
	c.put(k(0))
	c.put(k(1))
	c.put(k(2))
	require.True(t, c.get(k(0)))
	c.put(k(3)) // evicts 1: 0 was used
	assert.True(t, c.get(k(0)))
	assert.False(t, c.get(k(1)))
	assert.True(t, c.get(k(2)))
	assert.True(t, c.get(k(3)))
	for i := range 100 {
		c.put(k(10 + i))
		assert.LessOrEqual(t, c.len(), 3)
	}
	assert.True(t, c.get(k(109)), "the latest insert is kept")
	assert.Nil(t, newSigCache(0))
	assert.NotEqual(t, sigKeyOf(1, "K1", crypto.SHA1, []byte("ab"), []byte("c")), sigKeyOf(1, "K1", crypto.SHA1, []byte("a"), []byte("bc")), "lengths are part of the key")
}

// TestVerifierCacheConcurrent is for -race: verifications through a cache
// smaller than the working set, while keys and the cache are reconfigured.
func TestVerifierCacheConcurrent(t *testing.T) {
	rsaKey := cacheTestKey(t, "rsa2048-pkcs8.pem")
	s, err := New("K2JCJMDEHXQW5F", rsaKey, WithCacheSize(0))
	require.NoError(t, err)
	var creds []Credentials
	for i := range 6 {
		c, err := s.Credentials(policy.New(fmt.Sprintf("%s/movies/%d/*", cacheTestCDN, i), cacheTestNow.Add(time.Hour)))
		require.NoError(t, err)
		creds = append(creds, c)
	}
	v := NewVerifier()
	require.NoError(t, v.AddKey("K2JCJMDEHXQW5F", rsaKey.Public()))
	require.NoError(t, v.SetCacheSize(3))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				n := (g + i) % len(creds)
				_, err := v.VerifyCredentials(fmt.Sprintf("%s/movies/%d/a.ts", cacheTestCDN, n), creds[n], cacheTestIP, cacheTestNow)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			assert.NoError(t, v.AddKey("K3OTHER", rsaKey.Public()))
			v.RemoveKey("K3OTHER")
			assert.NoError(t, v.SetCacheSize(2+i%3))
		}
	}()
	wg.Wait()
	assert.LessOrEqual(t, v.cache.len(), 4)
}
