package signer_test

import (
	"crypto"
	"net/http"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

func TestCookies(t *testing.T) {
	v := testVerifier(t)
	for _, tc := range []struct {
		name  string
		id    string
		key   crypto.Signer
		hash  crypto.Hash
		p     policy.Policy
		opts  signer.CookieOptions
		names []string
	}{
		{"custom SHA-1 RSA", "K2JCJMDEHXQW5F", testRSAKey(t), crypto.SHA1, policy.New(cdn+"/movies/1/*", exp), signer.CookieOptions{},
			[]string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}},
		{"custom SHA-256 ECDSA", "K3ECDSAEXAMPLE1", testECKey(t), crypto.SHA256, policy.New(cdn+"/movies/1/*", exp),
			signer.CookieOptions{Domain: ".example.com", Path: "/movies/1/", SameSite: http.SameSiteNoneMode},
			[]string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"}},
		{"canned", "K2JCJMDEHXQW5F", testRSAKey(t), crypto.SHA1, policy.New(cdn+"/movies/1/a.ts", exp),
			signer.CookieOptions{Insecure: true, Scriptable: true, Persistent: true},
			[]string{"CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.New(tc.id, tc.key, signer.WithHash(tc.hash))
			require.NoError(t, err)
			cs, err := s.Cookies(tc.p, tc.opts)
			require.NoError(t, err)
			var names []string
			for _, c := range cs {
				names = append(names, c.Name)
				assert.Equal(t, !tc.opts.Insecure, c.Secure)
				assert.Equal(t, !tc.opts.Scriptable, c.HttpOnly)
				assert.Equal(t, tc.opts.Domain, c.Domain)
				assert.Equal(t, tc.opts.SameSite, c.SameSite)
				if tc.opts.Path == "" {
					assert.Equal(t, "/", c.Path)
				}
				if tc.opts.Persistent {
					assert.Equal(t, exp.Unix(), c.Expires.Unix())
				} else {
					assert.True(t, c.Expires.IsZero(), "session cookie")
					assert.Zero(t, c.MaxAge)
				}
				require.NoError(t, c.Valid())
			}
			assert.Equal(t, tc.names, names)

			res, err := v.Verify(cdn+"/movies/1/a.ts", cs, netip.Addr{}, now)
			require.NoError(t, err)
			assert.Equal(t, signer.SourceCookies, res.Source)

			back, err := signer.FromCookies(cs)
			require.NoError(t, err)
			c, err := s.Credentials(tc.p)
			require.NoError(t, err)
			assert.Equal(t, c, back)
		})
	}
}

func TestFromCookiesErrors(t *testing.T) {
	_, err := signer.FromCookies(nil)
	assert.ErrorIs(t, err, signer.ErrNoCredentials)
	_, err = signer.FromCookies([]*http.Cookie{{Name: "CloudFront-Policy", Value: "P"}, {Name: "CloudFront-Signature", Value: "S"}})
	assert.ErrorIs(t, err, signer.ErrMissingKeyPairID)
	assert.ErrorContains(t, err, "CloudFront-Key-Pair-Id is missing")
}

// TestCookiesIgnoredWhenURLSigned: CloudFront verifies a URL that carries any
// signing parameter on its own, whatever the cookies say.
func TestCookiesIgnoredWhenURLSigned(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	good, err := s.Cookies(policy.New(cdn+"/movies/1/*", exp), signer.CookieOptions{})
	require.NoError(t, err)
	v := testVerifier(t)

	_, err = v.Verify(cdn+"/movies/1/a.ts?Key-Pair-Id=K2JCJMDEHXQW5F", good, netip.Addr{}, now)
	assert.ErrorIs(t, err, signer.ErrMalformedPolicy, "a partial signed URL is refused even with good cookies")

	res, err := v.Verify(cdn+"/movies/1/a.ts?v=2", good, netip.Addr{}, now)
	require.NoError(t, err, "other query parameters do not disable cookies")
	assert.Equal(t, signer.SourceCookies, res.Source)
	assert.Equal(t, cdn+"/movies/1/a.ts?v=2", res.URL)

	_, err = v.Verify(cdn+"/movies/2/a.ts", good, netip.Addr{}, now)
	assert.ErrorIs(t, err, signer.ErrResource)
}
