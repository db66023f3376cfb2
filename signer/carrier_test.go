package signer_test

import (
	"crypto"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func TestCarrierEncode(t *testing.T) {
	c := signer.Credentials{Policy: "P", Signature: "S", KeyPairID: "K1", HashAlgorithm: "SHA256"}
	for _, tc := range []struct {
		name string
		k    signer.Carrier
		want string
	}{
		{"AWS blog suffix", signer.Suffix("-PREFIX"), "Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K1&Hash-Algorithm-PREFIX=SHA256"},
		{"true prefix", signer.Prefix("cf-"), "cf-Policy=P&cf-Signature=S&cf-Key-Pair-Id=K1&cf-Hash-Algorithm=SHA256"},
		{"zero carrier is plain", signer.Carrier{}, c.Encode()},
		{"marker escaped", signer.Suffix("&x"), "Policy%26x=P&Signature%26x=S&Key-Pair-Id%26x=K1&Hash-Algorithm%26x=SHA256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.k.Encode(c))
			q, err := url.ParseQuery(tc.k.Encode(c))
			require.NoError(t, err)
			back, err := tc.k.Extract(q)
			require.NoError(t, err)
			assert.Equal(t, c, back)
		})
	}
	assert.Equal(t, "Key-Pair-Id-PREFIX", signer.Suffix("-PREFIX").Name(signer.ParamKeyPairID))
}

// TestCarrierSurvivesStripping: the carried copies are what an origin behind
// CloudFront still sees once the signing parameters are stripped.
func TestCarrierSurvivesStripping(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	p := policy.New(cdn+"/movies/1/*", exp)
	signed, err := s.SignURL(cdn+"/movies/1/index.m3u8", p)
	require.NoError(t, err)
	creds, err := s.Credentials(p)
	require.NoError(t, err)
	k := signer.Suffix("-PREFIX")
	u, err := url.Parse(signed + "&" + k.Encode(creds))
	require.NoError(t, err)

	q := u.Query()
	for _, n := range []string{"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"} {
		q.Del(n) // what CloudFront does
	}
	got, err := k.Extract(q)
	require.NoError(t, err)
	assert.Equal(t, creds, got)

	k.Strip(q)
	assert.Empty(t, q)
	_, err = k.Extract(q)
	assert.ErrorIs(t, err, signer.ErrNoCredentials)
}

func TestExtractErrors(t *testing.T) {
	k := signer.Suffix("-PREFIX")
	for _, tc := range []struct {
		name  string
		query string
		err   error
		msg   string
	}{
		{"nothing", "v=1", signer.ErrNoCredentials, ""},
		{"no key pair id", "Policy-PREFIX=P&Signature-PREFIX=S", signer.ErrMissingKeyPairID, "Key-Pair-Id-PREFIX is missing"},
		{"no signature", "Policy-PREFIX=P&Key-Pair-Id-PREFIX=K", signer.ErrBadSignature, "Signature-PREFIX is missing"},
		{"no policy or expires", "Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, "neither Expires-PREFIX nor Policy-PREFIX"},
		{"both", "Expires-PREFIX=1&Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, "both"},
		{"bad expires", "Expires-PREFIX=tomorrow&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, `Expires-PREFIX "tomorrow"`},
		{"negative expires", "Expires-PREFIX=-5&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, "Unix seconds"},
		{"twice", "Policy-PREFIX=P&Policy-PREFIX=Q&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, "appears 2 times"},
		{"empty value", "Policy-PREFIX=&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K", signer.ErrMalformedPolicy, "Policy-PREFIX is empty"},
		{"unknown hash", "Policy-PREFIX=P&Signature-PREFIX=S&Key-Pair-Id-PREFIX=K&Hash-Algorithm-PREFIX=MD5", signer.ErrMalformedPolicy, `"MD5"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			_, err = k.Extract(q)
			assert.ErrorIs(t, err, tc.err)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

func TestFromQuery(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t), signer.WithHash(crypto.SHA256))
	require.NoError(t, err)
	signed, err := s.SignURL(cdn+"/a.ts?v=1", policy.New(cdn+"/a.ts?v=1", exp))
	require.NoError(t, err)
	u, err := url.Parse(signed)
	require.NoError(t, err)
	c, err := signer.FromQuery(u.Query())
	require.NoError(t, err)
	assert.Equal(t, int64(1900000000), c.Expires)
	assert.Equal(t, "SHA256", c.HashAlgorithm)
	assert.Equal(t, policy.FormCanned, c.Form())
}
