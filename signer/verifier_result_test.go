package signer_test

import (
	"crypto"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cfhls/cfhls/policy"
	"github.com/cfhls/cfhls/signer"
)

// TestVerifierUnknownKeyResult: an unknown key is still ErrUnknownKey, and
// Verify's Result still stops at the key (nothing it holds is unverified);
// Inspect reads the policy all the same, which is what a tool without the
// key (cfhls explain) reports, and a Verifier with no key at all agrees.
func TestVerifierUnknownKeyResult(t *testing.T) {
	s, err := signer.New("KUNKNOWN", testRSAKey(t))
	require.NoError(t, err)
	p := policy.New(cdn+"/movies/1/*", exp)
	p.SourceIP = netip.MustParsePrefix("192.0.2.0/24")
	custom, err := s.SignURL(cdn+"/movies/1/a.ts", p)
	require.NoError(t, err)
	canned, err := s.SignURL(cdn+"/movies/1/a.ts", policy.New(cdn+"/movies/1/a.ts", exp))
	require.NoError(t, err)
	cookies, err := s.Cookies(p, signer.CookieOptions{})
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		url      string
		cookies  []*http.Cookie
		verifier *signer.Verifier
		form     policy.Form
		want     policy.Policy
	}{
		{"custom URL, key not in the group", custom, nil, testVerifier(t), policy.FormCustom, p},
		{"canned URL, key not in the group", canned, nil, testVerifier(t), policy.FormCanned, policy.New(cdn+"/movies/1/a.ts", exp.UTC())},
		{"cookies, key not in the group", cdn + "/movies/1/a.ts", cookies, testVerifier(t), policy.FormCustom, p},
		{"custom URL, a Verifier with no key", custom, nil, signer.NewVerifier(), policy.FormCustom, p},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.verifier.Verify(tc.url, tc.cookies, netip.MustParseAddr("192.0.2.1"), now)
			require.ErrorIs(t, err, signer.ErrUnknownKey)
			assert.Equal(t, "KUNKNOWN", res.KeyPairID)
			assert.Zero(t, res.Form, "Verify fills no more than it got to")
			assert.Zero(t, res.Policy)

			got, err := signer.Inspect(tc.url, tc.cookies)
			require.NoError(t, err)
			assert.Equal(t, res.Source, got.Source)
			assert.Equal(t, "KUNKNOWN", got.KeyPairID)
			assert.Equal(t, crypto.SHA1, got.Hash)
			assert.Equal(t, tc.form, got.Form)
			assert.NotEmpty(t, got.PolicyJSON)
			assert.NoError(t, got.PolicyErr)
			assert.Len(t, got.Signature, 256)
			assert.Equal(t, tc.want.Resource, got.Policy.Resource)
			assert.Equal(t, tc.want.Expires.Unix(), got.Policy.Expires.Unix())
			assert.Equal(t, tc.want.SourceIP, got.Policy.SourceIP)
		})
	}
}

// TestInspectAgreesWithVerify: for every peer vector Inspect reads exactly
// the Result Verify accepts.
func TestInspectAgreesWithVerify(t *testing.T) {
	v := testVerifier(t)
	for _, vec := range loadVectors(t) {
		t.Run(vec.Name, func(t *testing.T) {
			rawURL, cookies := vec.SignedURL, []*http.Cookie(nil)
			if vec.Kind == "cookies" {
				rawURL, cookies = vec.Resource, vec.cookies()
			}
			verified, err := v.Verify(rawURL, cookies, vec.client(), now)
			require.NoError(t, err)
			inspected, err := signer.Inspect(rawURL, cookies)
			require.NoError(t, err)
			assert.Equal(t, verified, inspected)
		})
	}
}

// TestInspectErrors: Inspect reads every part it can and returns the error
// Verify returns for the same request, unless Verify refuses the key or the
// signature first, or a policy condition Inspect does not evaluate. When
// Verify refuses for the policy, its Result.PolicyErr is that error.
func TestInspectErrors(t *testing.T) {
	s, err := signer.New("K2JCJMDEHXQW5F", testRSAKey(t))
	require.NoError(t, err)
	custom, err := s.SignURL(cdn+"/movies/1/a.ts", policy.New(cdn+"/movies/1/*", exp))
	require.NoError(t, err)
	canned, err := s.SignURL(cdn+"/movies/1/a.ts", policy.New(cdn+"/movies/1/a.ts", exp))
	require.NoError(t, err)
	param := func(raw, name string) string {
		_, params := signer.SplitSignedURL(raw)
		return params.Get(name)
	}
	set := func(raw, name, value string) string {
		return strings.Replace(raw, name+"="+param(raw, name), name+"="+value, 1)
	}
	del := func(raw, name string) string {
		kv := name + "=" + param(raw, name)
		if strings.Contains(raw, "?"+kv+"&") {
			return strings.Replace(raw, kv+"&", "", 1)
		}
		return strings.Replace(raw, "&"+kv, "", 1)
	}
	notAPolicy := policy.Encode([]byte(`{"Statement":[]}`))

	for _, tc := range []struct {
		name          string
		url           string
		at            time.Time
		inspect       error // what Inspect returns
		verify        error // what Verify returns
		form          policy.Form
		policyRead    bool // Inspect's Result.Policy is set
		signatureRead bool
		policyRefusal bool // Verify refuses for the policy document itself
	}{
		{"untouched custom", custom, now, nil, nil, policy.FormCustom, true, true, false},
		{"untouched canned", canned, now, nil, nil, policy.FormCanned, true, true, false},
		{"expired: Inspect evaluates nothing", custom, exp, nil, signer.ErrExpired, policy.FormCustom, true, true, false},
		{"signature tampered", set(custom, "Signature", "A"+param(custom, "Signature")[1:]), now, nil, signer.ErrBadSignature, policy.FormCustom, true, true, false},
		{"unknown key", set(custom, "Key-Pair-Id", "KUNKNOWN"), now, nil, signer.ErrUnknownKey, policy.FormCustom, true, true, false},
		{"key pair id missing", del(custom, "Key-Pair-Id"), now, signer.ErrMissingKeyPairID, signer.ErrMissingKeyPairID, policy.FormCustom, true, true, false},
		{"hash algorithm unknown", custom + "&Hash-Algorithm=MD5", now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, policy.FormCustom, true, true, false},
		{"policy not base64", set(custom, "Policy", "not*base64"), now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, policy.FormCustom, false, true, true},
		{"policy not a policy: the signature fails first", set(custom, "Policy", notAPolicy), now, signer.ErrMalformedPolicy, signer.ErrBadSignature, policy.FormCustom, false, true, false},
		{"expires not a number", set(canned, "Expires", "soon"), now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, policy.FormCanned, false, true, true},
		{"both Expires and Policy", custom + "&Expires=1900000000", now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, 0, false, true, true},
		{"neither Expires nor Policy", del(custom, "Policy"), now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, 0, false, true, true},
		{"signature missing", del(custom, "Signature"), now, signer.ErrBadSignature, signer.ErrBadSignature, policy.FormCustom, true, false, false},
		{"signature not base64", set(custom, "Signature", "a+b/c=="), now, signer.ErrBadSignature, signer.ErrBadSignature, policy.FormCustom, true, false, false},
		{"parameter repeated: its first value is read", custom + "&Key-Pair-Id=K2JCJMDEHXQW5F", now, signer.ErrMalformedPolicy, signer.ErrMalformedPolicy, policy.FormCustom, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vres, verr := testVerifier(t).VerifyURL(tc.url, netip.Addr{}, tc.at)
			res, err := signer.Inspect(tc.url, nil)
			if tc.inspect == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.inspect)
			}
			if tc.verify == nil {
				assert.NoError(t, verr)
			} else {
				assert.ErrorIs(t, verr, tc.verify)
			}
			if tc.inspect == tc.verify && err != nil {
				assert.Equal(t, verr.Error(), err.Error(), "the same refusal in the same words")
			}
			assert.Equal(t, signer.SourceURL, res.Source)
			assert.Equal(t, cdn+"/movies/1/a.ts", res.URL)
			assert.Equal(t, tc.form, res.Form)
			assert.Equal(t, tc.policyRead, res.Policy.Resource != "")
			assert.Equal(t, tc.policyRead, res.PolicyErr == nil)
			assert.Equal(t, tc.signatureRead, res.Signature != nil)
			if tc.policyRefusal {
				assert.Equal(t, verr, vres.PolicyErr, "Verify's PolicyErr is its refusal")
			} else {
				assert.NoError(t, vres.PolicyErr)
			}
		})
	}
}

// TestInspectNothingToRead: with no credentials, or a path the Verifier
// refuses before reading any, Inspect returns Verify's error and reads
// nothing.
func TestInspectNothingToRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		want error
	}{
		{"no credentials", cdn + "/movies/1/a.ts", signer.ErrMissingKeyPairID},
		{"dot segment", cdn + "/movies/1/../2/a.ts?Expires=1900000000&Signature=AA__&Key-Pair-Id=K2JCJMDEHXQW5F", signer.ErrDotSegment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, verr := testVerifier(t).VerifyURL(tc.url, netip.Addr{}, now)
			res, err := signer.Inspect(tc.url, nil)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, verr.Error(), err.Error())
			assert.Empty(t, res.Source)
			assert.Empty(t, res.KeyPairID)
			assert.Zero(t, res.Hash)
			assert.Nil(t, res.PolicyJSON)
		})
	}
}

// FuzzInspect: Inspect never panics and agrees with Verify on any URL. When
// Verify accepts, Inspect reads the same Result without error; when Inspect
// refuses, Verify refuses in the same words, or refuses the key or the
// signature first.
func FuzzInspect(f *testing.F) {
	for _, vec := range loadVectors(f) {
		if vec.Kind == "url" {
			f.Add(vec.SignedURL)
		}
	}
	f.Add("https://d/a.ts?Expires=1&Signature=~~~~&Key-Pair-Id=K2JCJMDEHXQW5F&Expires=2")
	f.Add("https://d/a.ts?Policy=e30_&Signature=AAAA&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=MD5")
	v := signer.NewVerifier()
	require.NoError(f, v.AddKey("K2JCJMDEHXQW5F", testRSAKey(f).Public()))
	require.NoError(f, v.AddKey("K3ECDSAEXAMPLE1", testECKey(f).Public()))
	f.Fuzz(func(t *testing.T, raw string) {
		vres, verr := v.VerifyURL(raw, vectorClient, now)
		res, err := signer.Inspect(raw, nil)
		if verr == nil {
			require.NoError(t, err)
			assert.Equal(t, vres, res)
			return
		}
		if err == nil || verr.Error() == err.Error() {
			return
		}
		assert.True(t, errors.Is(verr, signer.ErrUnknownKey) || errors.Is(verr, signer.ErrBadSignature),
			"Inspect: %v; Verify: %v", err, verr)
	})
}
