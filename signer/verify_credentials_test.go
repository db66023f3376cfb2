package signer_test

import (
	"crypto"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestVerifyCredentials checks credentials passed as a value exactly as
// VerifyURL checks the same credentials on the URL: same acceptance, same
// refusals, same Result but for Source.
func TestVerifyCredentials(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	s256, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t), signer.WithHash(crypto.SHA256))
	require.NoError(t, err)
	v := testVerifier(t)
	mustCreds := func(s *signer.Signer, p policy.Policy) signer.Credentials {
		c, err := s.Credentials(p)
		require.NoError(t, err)
		return c
	}
	wild := mustCreds(s, policy.New(cdn+"/movies/1/*", exp))
	withIP := policy.New(cdn+"/movies/1/*", exp)
	withIP.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	tampered := wild
	tampered.Signature = wild.Signature[:len(wild.Signature)-4] + "AAAA"
	noKey := wild
	noKey.KeyPairID = ""
	unknown := wild
	unknown.KeyPairID = "KUNKNOWN"
	both := wild
	both.Expires = exp.Unix()
	badHash := wild
	badHash.HashAlgorithm = "MD5"

	for _, tc := range []struct {
		name   string
		url    string
		creds  signer.Credentials
		client netip.Addr
		at     time.Time
		want   error
		form   policy.Form
	}{
		{"custom, covered", cdn + "/movies/1/720p/a.ts?v=1", wild, netip.Addr{}, now, nil, policy.FormCustom},
		{"custom SHA-256", cdn + "/movies/1/a.ts", mustCreds(s256, policy.New(cdn+"/movies/1/*", exp)), netip.Addr{}, now, nil, policy.FormCustom},
		{"canned, its URL", cdn + "/movies/1/a.ts", mustCreds(s, policy.New(cdn+"/movies/1/a.ts", exp)), netip.Addr{}, now, nil, policy.FormCanned},
		{"fragment ignored", cdn + "/movies/1/a.ts#t=3", mustCreds(s, policy.New(cdn+"/movies/1/a.ts", exp)), netip.Addr{}, now, nil, policy.FormCanned},
		{"canned, another URL", cdn + "/movies/1/b.ts", mustCreds(s, policy.New(cdn+"/movies/1/a.ts", exp)), netip.Addr{}, now, signer.ErrBadSignature, policy.FormCanned},
		{"outside the resource", cdn + "/movies/2/a.ts", wild, netip.Addr{}, now, signer.ErrResource, policy.FormCustom},
		{"expired", cdn + "/movies/1/a.ts", wild, netip.Addr{}, exp, signer.ErrExpired, policy.FormCustom},
		{"source IP in range", cdn + "/movies/1/a.ts", mustCreds(s, withIP), netip.MustParseAddr("192.0.2.9"), now, nil, policy.FormCustom},
		{"source IP out of range", cdn + "/movies/1/a.ts", mustCreds(s, withIP), netip.MustParseAddr("198.51.100.1"), now, signer.ErrSourceIP, policy.FormCustom},
		{"tampered signature", cdn + "/movies/1/a.ts", tampered, netip.Addr{}, now, signer.ErrBadSignature, policy.FormCustom},
		{"no key pair ID", cdn + "/movies/1/a.ts", noKey, netip.Addr{}, now, signer.ErrMissingKeyPairID, 0},
		{"unknown key", cdn + "/movies/1/a.ts", unknown, netip.Addr{}, now, signer.ErrUnknownKey, 0},
		{"both Expires and Policy", cdn + "/movies/1/a.ts", both, netip.Addr{}, now, signer.ErrMalformedPolicy, 0},
		{"unknown hash", cdn + "/movies/1/a.ts", badHash, netip.Addr{}, now, signer.ErrMalformedPolicy, 0},
		{"zero credentials", cdn + "/movies/1/a.ts", signer.Credentials{}, netip.Addr{}, now, signer.ErrMissingKeyPairID, 0},
		{"URL with its own credentials", cdn + "/movies/1/a.ts?" + wild.Encode(), wild, netip.Addr{}, now, signer.ErrAlreadySigned, 0},
		{"dot segment", cdn + "/movies/1/../2/a.ts", wild, netip.Addr{}, now, signer.ErrDotSegment, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.VerifyCredentials(tc.url, tc.creds, tc.client, tc.at)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.form, res.Form)
			assert.Empty(t, res.Source, "the caller knows where the credentials came from")
			switch tc.name {
			case "both Expires and Policy", "URL with its own credentials":
				return // a query cannot say the same thing: Encode writes Policy only; the URL would carry two sets
			}
			// The same credentials on the URL get the same verdict, for the
			// same reason.
			target, _, _ := strings.Cut(tc.url, "#")
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			viaURL, errURL := v.VerifyURL(target+sep+tc.creds.Encode(), tc.client, tc.at)
			assert.Equal(t, err == nil, errURL == nil, "VerifyURL agrees: %v / %v", err, errURL)
			for _, sentinel := range []error{signer.ErrMissingKeyPairID, signer.ErrUnknownKey, signer.ErrMalformedPolicy,
				signer.ErrBadSignature, signer.ErrExpired, signer.ErrNotYetValid, signer.ErrSourceIP, signer.ErrResource, signer.ErrDotSegment} {
				assert.Equal(t, errors.Is(errURL, sentinel), errors.Is(err, sentinel), "%v: VerifyURL %v, VerifyCredentials %v", sentinel, errURL, err)
			}
			assert.Equal(t, viaURL.Policy, res.Policy)
			assert.Equal(t, viaURL.URL, res.URL)
		})
	}
}
