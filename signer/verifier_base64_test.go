package signer_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestVerifierBase64Strict: the Verifier decodes Policy and Signature with
// encoding/base64 in CloudFront's alphabet, which skips CR and LF on its
// own; a signed URL with either in its Policy, or with standard base64
// bytes, or with non-canonical padding, is refused as malformed, while the
// same URL untouched verifies.
func TestVerifierBase64Strict(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	signed, err := s.SignURL(cdn+"/movies/1/a.ts", policy.New(cdn+"/movies/1/*", exp))
	require.NoError(t, err)
	v := testVerifier(t)
	_, err = v.VerifyURL(signed, netip.Addr{}, now)
	require.NoError(t, err)

	p := signed[strings.Index(signed, "Policy=")+len("Policy=") : strings.Index(signed, "&Signature")]
	for name, bad := range map[string]string{
		"LF in the policy":        p[:8] + "%0A" + p[8:],
		"CR in the policy":        p[:8] + "%0D" + p[8:],
		"standard plus":           p[:4] + "%2B" + p[5:],
		"standard padding":        strings.ReplaceAll(p, "_", "="),
		"padding dropped":         strings.TrimRight(p, "_"),
		"trailing newline escape": p + "%0A",
	} {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, p, bad)
			_, err := v.VerifyURL(strings.Replace(signed, p, bad, 1), netip.Addr{}, now)
			assert.ErrorIs(t, err, signer.ErrMalformedPolicy)
		})
	}
}
