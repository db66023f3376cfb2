package signer_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestSignURLForm: the form follows the policy's fields alone, and SignURL
// refuses what would cover more, or other, URLs than the policy says, with a
// message that reads as the signer's.
func TestSignURLForm(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	v := testVerifier(t)
	qPattern := policy.New(cdn+"/movies/?/index.m3u8", exp)
	qCustom := qPattern
	qCustom.NotBefore = now.Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		url     string
		p       policy.Policy
		msg     string // refusal message start; "" when signed
		form    policy.Form
		alsoFor string // another URL the credentials then work for, or ""
	}{
		{"'?' alone is literal: canned, refused for another URL", cdn + "/movies/1/index.m3u8", qPattern,
			"signer: SignURL: the policy for", 0, ""},
		{"'?' with a condition is a wildcard: custom", cdn + "/movies/1/index.m3u8", qCustom,
			"", policy.FormCustom, cdn + "/movies/2/index.m3u8"},
		{"'*' in the URL signed for itself", cdn + "/movies/*", policy.New(cdn+"/movies/*", exp),
			"signer: SignURL: \"" + cdn + "/movies/*\" holds '*'", 0, ""},
		{"query URL for itself travels canned", cdn + "/a.ts?v=1", policy.New(cdn+"/a.ts?v=1", exp),
			"", policy.FormCanned, ""},
		{"resource elsewhere", cdn + "/b/a.ts", policy.New(cdn+"/a/*", exp),
			"signer: SignURL: the policy's resource", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SignURL(tc.url, tc.p)
			if tc.msg != "" {
				require.ErrorIs(t, err, signer.ErrResource)
				assert.True(t, strings.HasPrefix(err.Error(), tc.msg), err.Error())
				assert.NotContains(t, err.Error(), "policy: resource", "reads as the signer's error")
				return
			}
			require.NoError(t, err)
			res, err := v.VerifyURL(got, netip.Addr{}, now)
			require.NoError(t, err)
			assert.Equal(t, tc.form, res.Form)
			if tc.alsoFor != "" {
				_, q, _ := strings.Cut(got, "?")
				_, err := v.VerifyURL(tc.alsoFor+"?"+q, netip.Addr{}, now)
				assert.NoError(t, err, "a custom '?' is CloudFront's one-character wildcard")
			}
		})
	}
}

// TestCredentialsValidatedBeforeCache: an invalid policy is refused even
// when a valid one with the same cache key was signed before (a NotBefore
// of 1970-01-01 00:00:00 has Unix time 0, like no NotBefore at all).
func TestCredentialsValidatedBeforeCache(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	valid := policy.New(cdn+"/a.ts", exp)
	_, err = s.Credentials(valid)
	require.NoError(t, err)
	invalid := valid
	invalid.NotBefore = time.Unix(0, 0)
	_, err = s.Credentials(invalid)
	assert.ErrorIs(t, err, policy.ErrInvalid)
	_, err = s.Query(invalid)
	assert.ErrorIs(t, err, policy.ErrInvalid)
}
