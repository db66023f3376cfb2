package signer_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func TestVerifierAddKey(t *testing.T) {
	v := signer.NewVerifier()
	assert.ErrorContains(t, v.AddKey("", testRSAKey(t).Public()), "empty")
	assert.ErrorIs(t, v.AddKey("K1", "not a key"), signer.ErrUnsupportedKey)
	var zero signer.Verifier // the zero value works too
	require.NoError(t, zero.AddKey("K1", testECKey(t).Public()))
}

func TestVerifierResult(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	v := testVerifier(t)
	for _, tc := range []struct{ name, url, want string }{
		{"signing params removed, others kept in order", cdn + "/movies/1/a.ts?b=2&a=1", cdn + "/movies/1/a.ts?b=2&a=1"},
		{"fragment dropped", cdn + "/movies/1/a.ts#t=1", cdn + "/movies/1/a.ts"},
		{"only signing params", cdn + "/movies/1/a.ts", cdn + "/movies/1/a.ts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed, err := s.SignURL(tc.url, policy.New(cdn+"/movies/1/*", exp))
			require.NoError(t, err)
			res, err := v.VerifyURL(signed, netip.Addr{}, now)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.URL)
			assert.Equal(t, cdn+"/movies/1/*", res.Policy.Resource)
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	p := policy.New("http://example.com/movies/1/*", exp)
	p.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	signed, err := s.SignURL("http://example.com/movies/1/a.ts", p)
	require.NoError(t, err)
	v := testVerifier(t)

	r := httptest.NewRequest("GET", signed, nil)
	r.RemoteAddr = "192.0.2.7:5555"
	_, err = v.VerifyRequest(r, now)
	assert.NoError(t, err)

	r.RemoteAddr = "198.51.100.7:5555"
	_, err = v.VerifyRequest(r, now)
	assert.ErrorIs(t, err, signer.ErrSourceIP)

	for _, tc := range []struct {
		name, remote string
		want         netip.Addr
	}{
		{"IPv4", "192.0.2.1:80", netip.MustParseAddr("192.0.2.1")},
		{"IPv4-mapped", "[::ffff:192.0.2.1]:80", netip.MustParseAddr("192.0.2.1")},
		{"IPv6", "[2001:db8::1]:80", netip.MustParseAddr("2001:db8::1")},
		{"no port", "192.0.2.1", netip.MustParseAddr("192.0.2.1")},
		{"garbage", "garbage", netip.Addr{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			assert.Equal(t, tc.want, signer.RemoteIP(r))
		})
	}
}

func TestRequestURL(t *testing.T) {
	r := httptest.NewRequest("GET", "http://d.example/a%20b.ts?x=1", nil)
	assert.Equal(t, "http://d.example/a%20b.ts?x=1", signer.RequestURL(r))
	r = httptest.NewRequest("GET", "https://d.example/a.ts", nil)
	assert.Equal(t, "https://d.example/a.ts", signer.RequestURL(r))
}

func TestVerifierNoCredentials(t *testing.T) {
	res, err := testVerifier(t).Verify(cdn+"/movies/1/a.ts", nil, netip.Addr{}, now)
	assert.ErrorIs(t, err, signer.ErrMissingKeyPairID)
	assert.Empty(t, res.Source)
	assert.ErrorIs(t, signer.NewVerifier().AddKey("K 1", testRSAKey(t).Public()), signer.ErrKeyPairID)
}
